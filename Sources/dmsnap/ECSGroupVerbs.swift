import ArgumentParser
import ECS
import Foundation
import Snapshots

/// `--DiskId.N d-…` and `--ExcludeDiskId.N d-…`, N from 1, as ECS spells lists.
struct IndexedDiskIds {
    var disks: [String] = []
    var excluded: [String] = []

    init(_ words: [String]) throws {
        var indexed: [String: [Int: String]] = [:]
        var rest = words[...]
        while let flag = rest.popFirst() {
            let parts = flag.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, ["--DiskId", "--ExcludeDiskId"].contains(parts[0]), let index = Int(parts[1]),
                  (1...128).contains(index), let value = rest.popFirst() else {
                throw ValidationError("Expected --DiskId.N d-… or --ExcludeDiskId.N d-… (N from 1 to 128), got \(flag.prefix(60).debugDescription).")
            }
            indexed[String(parts[0]), default: [:]][index] = value
        }
        disks = indexed["--DiskId", default: [:]].sorted { $0.key < $1.key }.map(\.value)
        excluded = indexed["--ExcludeDiskId", default: [:]].sorted { $0.key < $1.key }.map(\.value)
        if !disks.isEmpty && !excluded.isEmpty {
            throw ValidationError("--DiskId.N and --ExcludeDiskId.N cannot be given together (ECS InvalidParameter).")
        }
    }
}

struct CreateSnapshotGroupVerb: ECSVerb {
    static let configuration = CommandConfiguration(
        commandName: "CreateSnapshotGroup",
        abstract: "ECS CreateSnapshotGroup: snapshot several disks at one instant.",
        discussion: """
            Every filesystem on or above the disks is frozen and every disk suspended,
            then each disk is snapshotted, then all is released; a guardian process
            releases everything if dmsnap dies or the freeze timeout passes, and the
            group then fails and keeps nothing. With no --DiskId.N, every disk of this
            host except the --ExcludeDiskId.N ones. A volume stacked over the disks
            (md, a dm span, an LVM VG on them) that also stands on a disk outside the
            group is refused, naming that disk.

            Examples:
              dmsnap CreateSnapshotGroup --DiskId.1 d-… --DiskId.2 d-… --Name before-upgrade
              dmsnap CreateSnapshotGroup --DiskId.1 d-… --DiskId.2 d-… --DryRun true
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOption

    @Option(name: .customLong("Name"), help: NameHelp.group)
    var name: String?
    @Option(name: .customLong("Description"), help: NameHelp.description)
    var description: String = ""
    @Option(name: .customLong("FreezeTimeout"), help: "dmsnap's: seconds the I/O may be held before the guardian releases it (default 10).")
    var freezeTimeout: Double = 10
    @Option(name: .customLong("DryRun"), help: "dmsnap's: true to print the freeze plan (what is held, in which order, how) and change nothing.")
    var dryRun: Bool = false

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("--DiskId.N d-… or --ExcludeDiskId.N d-…", valueName: "disks"))
    var diskWords: [String] = []

    func validateOptions() throws {
        _ = try IndexedDiskIds(diskWords)
        guard freezeTimeout.isFinite, (0.1...600).contains(freezeTimeout) else {
            throw ValidationError("--FreezeTimeout must be between 0.1 and 600 seconds.")
        }
    }

    /// A dry run changes nothing: its plan is checked when it is printed.
    var responseSample: (any Encodable)? { dryRun ? nil : ECSResponse.CreatedGroup(RequestId: "", SnapshotGroupId: "", HoldWindowMs: 0) }

    func respond(_ service: SnapshotService, requestId: String) throws -> any Encodable {
        let ids = try IndexedDiskIds(diskWords)
        let result = try service.createSnapshotGroup(diskIds: ids.disks, excluding: ids.excluded, name: name, description: description,
                                                     freezeTimeout: .milliseconds(Int64(freezeTimeout * 1000)), dryRun: dryRun)
        guard let group = result.group else { return ECSResponse.GroupPlan(RequestId: requestId, plan: result.plan, memoryLockReason: result.memoryLockReason) }
        return ECSResponse.CreatedGroup(RequestId: requestId, SnapshotGroupId: group.id,
                                        HoldWindowMs: Double(group.holdWindowMicroseconds) / 1000)
    }
}

struct DescribeSnapshotGroupsVerb: ECSVerb {
    static let configuration = CommandConfiguration(
        commandName: "DescribeSnapshotGroups",
        abstract: "ECS DescribeSnapshotGroups: list snapshot groups, newest first, with their snapshots.",
        discussion: "Example:\n  dmsnap DescribeSnapshotGroups --SnapshotGroupId.1 ssg-…")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOption

    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("--SnapshotGroupId.N ssg-…", valueName: "ids"))
    var idWords: [String] = []

    func groupIds() throws -> [String] {
        var ids: [String] = []
        var rest = idWords[...]
        while let flag = rest.popFirst() {
            guard flag.hasPrefix("--SnapshotGroupId."), let index = Int(flag.dropFirst("--SnapshotGroupId.".count)),
                  (1...100).contains(index), let value = rest.popFirst() else {
                throw ValidationError("Expected --SnapshotGroupId.N ssg-… (N from 1 to 100), got \(flag.prefix(60).debugDescription).")
            }
            ids.append(value)
        }
        return ids
    }

    func validateOptions() throws { _ = try groupIds() }

    var responseSample: (any Encodable)? { nil }

    func respond(_ service: SnapshotService, requestId: String) throws -> any Encodable {
        let instance = (try? InstanceIdentity.instanceID().rawValue) ?? ""
        let groups = try service.describeSnapshotGroups(ids: try groupIds())
        return ECSResponse.DescribeSnapshotGroups(RequestId: requestId, groups: groups.map {
            ECSSnapshotGroup($0.group, snapshots: $0.snapshots, instanceId: instance)
        })
    }
}

struct DeleteSnapshotGroupVerb: ECSVerb {
    static let configuration = CommandConfiguration(
        commandName: "DeleteSnapshotGroup", abstract: "ECS DeleteSnapshotGroup: delete a group and every snapshot in it.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOption

    @Option(name: .customLong("SnapshotGroupId")) var groupId: String

    var responseSample: (any Encodable)? { ECSResponse.Plain(RequestId: "") }

    func respond(_ service: SnapshotService, requestId: String) throws -> any Encodable {
        try service.deleteSnapshotGroup(groupId)
        return ECSResponse.Plain(RequestId: requestId)
    }
}

/// Started by dmsnap itself before a group's first hold; not for users.
struct GuardianCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "guardian", abstract: "Internal: release a snapshot group's holds if dmsnap dies.", shouldDisplay: false)

    @Argument(help: "The hold journal, /run/dmsnap/hold-PID-TOKEN.json.") var journal: String

    func validate() throws {
        // It releases devices and removes the journal: only ever dmsnap's own journal file.
        let name = journal.hasPrefix(HoldJournal.directory + "/") ? String(journal.dropFirst(HoldJournal.directory.count + 1)) : ""
        guard HoldJournal.isJournalName(name) else {
            throw ValidationError("dmsnap starts its guardian itself; its journal is \(HoldJournal.directory)/hold-PID-TOKEN.json, not \(journal.prefix(200).debugDescription).")
        }
    }

    func run() throws {
        let status = Guardian.watch(journalPath: journal)
        if status == Guardian.exitReleaseFailed {
            FileHandle.standardError.write(Data("dmsnap guardian: could not read or fully release \(journal)\n".utf8))
        }
        throw ExitCode(status)
    }
}
