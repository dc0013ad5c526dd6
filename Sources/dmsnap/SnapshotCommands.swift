import ArgumentParser
import Foundation
import Snapshots

struct SnapshotsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshots",
        abstract: "List snapshots, newest first, of one disk or all.",
        discussion: "Example:\n  dmsnap snapshots data")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Only this disk's snapshots: a d- ID, its /dev path or its name.")
    var disk: String?

    @Flag(help: "Print the DescribeSnapshots JSON instead of a table.")
    var json = false

    func run() throws {
        try Everyday.run(json: json) {
            let service = try global.service()
            let diskId = try disk.map { try service.resolveDisk($0).id }
            let snapshots = try service.describeSnapshots(SnapshotFilter(diskId: diskId))
            let copies = try service.copies(of: snapshots.map(\.id))
            if json {
                print(try ECSRender.describeSnapshots(snapshots, copies: copies, page: nil))
            } else {
                print(TextTable(header: ["SNAPSHOT", "NAME", "DISK", "SIZE", "CREATED", "HELD", "COPY", "PROGRESS", "LEFT", "LOCAL"],
                                rows: snapshots.map { snapshot in
                    let copy = copies[snapshot.id]
                    return [snapshot.id, snapshot.name, snapshot.diskId, ByteSize.format(snapshot.sourceDiskSizeBytes),
                            ECSRender.timestamp(snapshot.createdAt), String(format: "%.1fms", Double(snapshot.holdWindowMicroseconds) / 1000),
                            copy?.status.rawValue ?? "-", copy.map { "\($0.progressPercent)%" } ?? "-",
                            copy?.status == .progressing ? copy?.remainSeconds.map { "\($0)s" } ?? "?" : "-",
                            snapshot.isReleased ? "released" : "yes"]
                }).rendered)
            }
        }
    }
}

struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Take, delete, expose, hide, copy and restore snapshots.",
        subcommands: [Create.self, Delete.self, Expose.self, Hide.self, Copy.self, Release.self, Restore.self, Send.self, Receive.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Snapshot a disk. A mounted filesystem on it is frozen for the instant it takes.",
            discussion: "Example:\n  dmsnap snapshot create data --name before-upgrade")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The disk: a d- ID, its /dev path or its name.")
        var disk: String

        @Option(help: NameHelp.snapshot)
        var name: String?

        @Option(help: NameHelp.description)
        var description: String = ""

        @Option(help: ArgumentHelp("Refuse when the thin pool has more than this percent of its data or metadata in use (default: $DMSNAP_POOL_USAGE_LIMIT, else 95).", valueName: "percent"))
        var poolUsageLimit: Double?

        @Flag(help: "Print the new snapshot as DescribeSnapshots gives it (JSON) instead of a sentence.")
        var json = false

        func validate() throws {
            if let poolUsageLimit { _ = try PoolUsageLimit(percent: poolUsageLimit) }
        }

        func run() throws {
            try Everyday.run(json: json) {
                let service = try global.service()
                let record = try service.resolveDisk(disk)
                let snapshot = try service.createSnapshot(diskId: record.id, name: name, description: description,
                                                          usageLimit: try poolUsageLimit.map(PoolUsageLimit.init(percent:)))
                if json { return print(try ECSRender.snapshot(snapshot)) }
                print("Created snapshot \(snapshot.id) (\(snapshot.name)) of disk \(record.id); I/O held for \(String(format: "%.1f", Double(snapshot.holdWindowMicroseconds) / 1000)) ms.")
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a snapshot and free the blocks only it holds.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The snapshot: an s- ID or its name.")
        var snapshot: String

        func run() throws {
            try Everyday.run(json: false) {
                let service = try global.service()
                let record = try service.resolveSnapshot(snapshot)
                try service.deleteSnapshot(record.id)
                print("Deleted snapshot \(record.id) (\(record.name)).")
            }
        }
    }

    struct Expose: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "expose",
            abstract: "Make a snapshot readable at /dev/mapper/dmsnap-s-… (read-only), to copy files out.",
            discussion: """
                Example:
                  dev=$(dmsnap snapshot expose before-upgrade)
                  mount -o ro,noload "$dev" /mnt && cp /mnt/etc/fstab /tmp/ && umount /mnt
                  dmsnap snapshot hide before-upgrade
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The snapshot: an s- ID or its name.")
        var snapshot: String

        func run() throws {
            try Everyday.run(json: false) {
                let service = try global.service()
                print(try service.exposeSnapshot(try service.resolveSnapshot(snapshot).id))
            }
        }
    }

    struct Hide: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "hide", abstract: "Remove an exposed snapshot's device node again.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The snapshot: an s- ID or its name.")
        var snapshot: String

        func run() throws {
            try Everyday.run(json: false) {
                let service = try global.service()
                try service.hideSnapshot(try service.resolveSnapshot(snapshot).id)
            }
        }
    }
}
