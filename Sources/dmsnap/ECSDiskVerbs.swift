import ArgumentParser
import ECS
import Foundation
import Snapshots

struct CreateDiskVerb: ECSVerb {
    static let configuration = CommandConfiguration(
        commandName: "CreateDisk",
        abstract: "ECS CreateDisk: a new empty thin disk (--Size), or one cloned from a snapshot (--SnapshotId).",
        discussion: """
            Examples:
              dmsnap CreateDisk --Size 20 --DiskName data
              dmsnap CreateDisk --SnapshotId s-… --DiskName data-copy
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOption

    @Option(name: .customLong("Size"), help: "Size in GiB (1 to 65536).")
    var size: Int?

    @Option(name: .customLong("SnapshotId"), help: "Clone this snapshot; the disk has the snapshot's size and pool (a different --Size or --PoolName is refused). A snapshot not in a pool here is restored from the first repository that holds a copy of it, into --PoolName.")
    var snapshotId: String?

    @Option(name: .customLong("DiskName"), help: NameHelp.disk)
    var diskName: String?

    @Option(name: .customLong("Description"), help: NameHelp.description)
    var description: String = ""

    @Option(name: .customLong("PoolName"), help: "The pool (default: the only pool).")
    var poolName: String?

    func validateOptions() throws {
        switch (size, snapshotId) {
        case (nil, nil): throw ValidationError("Give --Size (GiB) or --SnapshotId.")
        case (.some(let size), _) where !(1...65536).contains(size):
            throw ValidationError("--Size must be between 1 and 65536 GiB, not \(size).")
        default: break
        }
    }

    var responseSample: (any Encodable)? { ECSResponse.Created(RequestId: "", DiskId: "") }

    func respond(_ service: SnapshotService, requestId: String) throws -> any Encodable {
        let disk: DiskRecord
        if let snapshotId {
            disk = try service.createDisk(fromSnapshot: snapshotId, name: diskName, description: description,
                                          sizeBytes: size.map { UInt64($0) << 30 }, poolName: poolName)
        } else {
            disk = try service.createDisk(sizeBytes: UInt64(size!) << 30, name: diskName, description: description, poolName: poolName)
        }
        return ECSResponse.Created(RequestId: requestId, DiskId: disk.id)
    }
}

struct DescribeDisksVerb: ECSVerb {
    static let configuration = CommandConfiguration(
        commandName: "DescribeDisks", abstract: "ECS DescribeDisks: every disk, with its device path.",
        discussion: "Example:\n  dmsnap DescribeDisks --output cols=DiskId,DiskName,Device rows=Disks.Disk[]")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOption

    @Option(name: .customLong("DiskIds"), help: "A JSON array of disk IDs.")
    var diskIds: String?

    @Option(name: .customLong("PageNumber")) var pageNumber: Int?
    @Option(name: .customLong("PageSize")) var pageSize: Int?

    var responseSample: (any Encodable)? { nil }

    func parsedDiskIds() throws -> [String]? {
        guard let diskIds else { return nil }
        guard let ids = try? JSONDecoder().decode([String].self, from: Data(diskIds.utf8)) else {
            throw ValidationError("--DiskIds must be a JSON array of disk IDs, like '[\"d-…\"]'.")
        }
        return ids
    }

    func validateOptions() throws {
        _ = try parsedDiskIds()
        _ = try Paging.byNumber(count: 0, pageNumber: pageNumber, pageSize: pageSize ?? 100)
    }

    func respond(_ service: SnapshotService, requestId: String) throws -> any Encodable {
        var disks = try service.describeDisks()
        if let ids = try parsedDiskIds() {
            disks = disks.filter { ids.contains($0.record.id) }
        }
        let page = try Paging.byNumber(count: disks.count, pageNumber: pageNumber, pageSize: pageSize ?? 100)
        return ECSResponse.DescribeDisks(RequestId: requestId, TotalCount: disks.count, PageNumber: page.number, PageSize: page.size,
                                         Disks: .init(Disk: disks[page.range].map(ECSDisk.init)))
    }
}

struct DeleteDiskVerb: ECSVerb {
    static let configuration = CommandConfiguration(
        commandName: "DeleteDisk", abstract: "ECS DeleteDisk: delete a disk nothing has open; its snapshots stay.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOption

    @Option(name: .customLong("DiskId")) var diskId: String

    var responseSample: (any Encodable)? { ECSResponse.Plain(RequestId: "") }

    func respond(_ service: SnapshotService, requestId: String) throws -> any Encodable {
        try service.deleteDisk(diskId)
        return ECSResponse.Plain(RequestId: requestId)
    }
}

struct ResetDiskVerb: ECSVerb {
    static let configuration = CommandConfiguration(
        commandName: "ResetDisk",
        abstract: "ECS ResetDisk: roll a disk back to a snapshot; the snapshot is kept.",
        discussion: """
            A mounted or open disk is refused with IncorrectDiskStatus naming the mount point.
            For an LVM disk, --Deferred true lets LVM roll it back at its next activation
            instead (DescribeDisks shows ResetPending until then). A native disk rolled back
            to a released snapshot (InstantAccess false) is restored from the repository,
            with a progress bar on standard error when it is a terminal.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOption

    @Option(name: .customLong("DiskId")) var diskId: String
    @Option(name: .customLong("SnapshotId")) var snapshotId: String
    @Option(name: .customLong("Deferred"), help: "dmsnap's, LVM disks only: true to roll an open disk back at its next activation.")
    var deferred: Bool = false

    var responseSample: (any Encodable)? { ECSResponse.Plain(RequestId: "") }

    func respond(_ service: SnapshotService, requestId: String) throws -> any Encodable {
        // Standard error carries only the JSON error unless a person is watching.
        let bar = isatty(STDERR_FILENO) == 1 ? ProgressBar("ResetDisk \(diskId)") : nil
        try service.resetDisk(diskId, toSnapshot: snapshotId, deferred: deferred) { step in
            bar?.update(done: step.bytesDone, total: step.bytesTotal, bytesPerSecond: step.bytesPerSecond, remainSeconds: step.remainSeconds)
        }
        bar?.finish()
        return ECSResponse.Plain(RequestId: requestId)
    }
}

struct ResetDisksVerb: ECSVerb {
    static let configuration = CommandConfiguration(
        commandName: "ResetDisks",
        abstract: "ECS ResetDisks: roll several disks back; every pair is checked before the first rollback.",
        discussion: "Example:\n  dmsnap ResetDisks --Disk.1.DiskId d-… --Disk.1.SnapshotId s-… --Disk.2.DiskId d-… --Disk.2.SnapshotId s-…")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOption

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("--Disk.N.DiskId d-… --Disk.N.SnapshotId s-…, N from 1.", valueName: "pairs"))
    var pairs: [String] = []

    func parsedPairs() throws -> [(diskId: String, snapshotId: String)] {
        var fields: [Int: (disk: String?, snapshot: String?)] = [:]
        var words = pairs[...]
        while let flag = words.popFirst() {
            let parts = flag.split(separator: ".")
            guard parts.count == 3, parts[0] == "--Disk", let index = Int(parts[1]), (1...100).contains(index),
                  ["DiskId", "SnapshotId"].contains(parts[2]), let value = words.popFirst() else {
                throw ValidationError("Expected --Disk.N.DiskId VALUE or --Disk.N.SnapshotId VALUE, got \(flag.prefix(60).debugDescription).")
            }
            if parts[2] == "DiskId" { fields[index, default: (nil, nil)].disk = value } else { fields[index, default: (nil, nil)].snapshot = value }
        }
        guard !fields.isEmpty else { throw ValidationError("Give at least --Disk.1.DiskId and --Disk.1.SnapshotId.") }
        return try fields.keys.sorted().map { index in
            guard let disk = fields[index]?.disk, let snapshot = fields[index]?.snapshot else {
                throw ValidationError("--Disk.\(index) needs both DiskId and SnapshotId.")
            }
            return (disk, snapshot)
        }
    }

    func validateOptions() throws { _ = try parsedPairs() }

    var responseSample: (any Encodable)? { ECSResponse.Plain(RequestId: "") }

    func respond(_ service: SnapshotService, requestId: String) throws -> any Encodable {
        try service.resetDisks(try parsedPairs())
        return ECSResponse.Plain(RequestId: requestId)
    }
}
