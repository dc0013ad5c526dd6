import ArgumentParser
import Snapshots

struct DisksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disks",
        abstract: "List disks: ID, name, size, device, state.",
        discussion: "Example:\n  dmsnap disks --json")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the DescribeDisks JSON instead of a table.")
    var json = false

    func run() throws {
        try Everyday.run(json: json) {
            let disks = try global.service().describeDisks()
            if json {
                print(try ECSRender.describeDisks(disks))
            } else {
                print(TextTable(header: ["DISK", "NAME", "SIZE", "POOL", "STATE", "DEVICE"], rows: disks.map { disk in
                    [disk.record.id, disk.record.name, ByteSize.format(disk.record.sizeBytes),
                     disk.record.backend == .lvm ? (disk.isThin ? "lvm:\(disk.record.poolName)" : "lvm (thick)") : disk.record.poolName,
                     Self.state(of: disk), disk.devicePath]
                }).rendered)
            }
        }
    }
}

extension DisksCommand {
    static func state(of disk: DiskView) -> String {
        if disk.isMissing { return "missing (LV removed outside dmsnap)" }
        var state = disk.mountPoint.map { "mounted on \($0)" } ?? (disk.openCount > 0 ? "open" : disk.isActive ? "available" : "inactive")
        if disk.resetPending { state += ", rollback pending" }
        if disk.isSystem { state += ", system" }
        return state
    }
}

struct DiskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disk",
        abstract: "Create and delete thin disks in a dmsnap pool.",
        subcommands: [Create.self, Delete.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create an empty thin disk.",
            discussion: """
                The disk appears as /dev/mapper/dmsnap-d-… and as /dev/dmsnap/NAME.

                Example:
                  dmsnap disk create 10G --name data
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The disk's virtual size, e.g. 512M or 10G.", valueName: "size"))
        var size: ByteSize

        @Option(help: NameHelp.disk)
        var name: String?

        @Option(help: "The pool to put it in (default: the only pool).")
        var pool: String?

        @Flag(help: "Print the new disk as DescribeDisks gives it (JSON) instead of a sentence.")
        var json = false

        func run() throws {
            try Everyday.run(json: json) {
                let service = try global.service()
                let disk = try service.createDisk(sizeBytes: size.bytes, name: name, poolName: pool)
                if json { return print(try ECSRender.disk(disk.id, service: service)) }
                print("Created disk \(disk.id) (\(disk.name), \(ByteSize.format(disk.sizeBytes))) at /dev/mapper/dmsnap-\(disk.id)")
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete",
            abstract: "Delete a disk nothing has open. Its snapshots are kept.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The disk: a d- ID, its /dev path or its name.")
        var disk: String

        func run() throws {
            try Everyday.run(json: false) {
                let service = try global.service()
                let record = try service.resolveDisk(disk)
                try service.deleteDisk(record.id)
                print("Deleted disk \(record.id) (\(record.name)).")
            }
        }
    }
}

struct RollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Roll a disk back to a snapshot of it; the snapshot is kept.",
        discussion: """
            The disk keeps its ID and device path. A mounted or open disk is refused:
            unmount it first. An LVM disk that must stay open can be rolled back at its
            next activation instead (--deferred). To a released snapshot (its data only in
            a repository) a native disk is rolled back from the repository, with a progress
            bar on a terminal; a damaged chunk leaves the disk as it was.

            Example:
              umount /srv && dmsnap rollback data before-upgrade && mount /dev/dmsnap/data /srv
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The disk: a d- ID, its /dev path or its name.")
    var disk: String

    @Argument(help: "The snapshot: an s- ID or its name.")
    var snapshot: String

    @Flag(help: "LVM disks: if the disk is open, let LVM roll it back at its next activation.")
    var deferred = false

    @Flag(help: "Print the disk as DescribeDisks gives it (JSON; a deferred rollback shows as pending) instead of a sentence.")
    var json = false

    func run() throws {
        try Everyday.run(json: json) {
            let service = try global.service()
            let diskRecord = try service.resolveDisk(disk)
            let snapshotRecord = try service.resolveSnapshot(snapshot)
            let bar = snapshotRecord.isReleased ? ProgressBar("rollback \(diskRecord.id) from \(snapshotRecord.id)") : nil
            try service.resetDisk(diskRecord.id, toSnapshot: snapshotRecord.id, deferred: deferred) { step in
                bar?.update(done: step.bytesDone, total: step.bytesTotal, bytesPerSecond: step.bytesPerSecond, remainSeconds: step.remainSeconds)
            }
            bar?.finish()
            if json { return print(try ECSRender.disk(diskRecord.id, service: service)) }
            let pending = try deferred && (service.describeDisks().first { $0.record.id == diskRecord.id }?.resetPending ?? false)
            print(pending
                ? "Disk \(diskRecord.id) (\(diskRecord.name)) is open: LVM rolls it back to snapshot \(snapshotRecord.id) at its next activation (lvchange -an then -ay, or a reboot)."
                : "Rolled disk \(diskRecord.id) (\(diskRecord.name)) back to snapshot \(snapshotRecord.id) (\(snapshotRecord.name)).")
        }
    }
}

struct CloneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clone",
        abstract: "Create a new writable disk from a snapshot; it shares blocks with the snapshot.",
        discussion: "Example:\n  dmsnap clone before-upgrade --name test-copy")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The snapshot: an s- ID or its name.")
    var snapshot: String

    @Option(help: NameHelp.disk)
    var name: String?

    @Flag(help: "Print the new disk as DescribeDisks gives it (JSON) instead of a sentence.")
    var json = false

    func run() throws {
        try Everyday.run(json: json) {
            let service = try global.service()
            let source = try service.resolveSnapshot(snapshot)
            let disk = try service.cloneDisk(fromSnapshot: source.id, name: name)
            if json { return print(try ECSRender.disk(disk.id, service: service)) }
            print("Created disk \(disk.id) (\(disk.name)) from snapshot \(source.id) at /dev/mapper/dmsnap-\(disk.id)")
        }
    }
}
