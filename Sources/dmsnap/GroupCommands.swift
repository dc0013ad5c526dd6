import ArgumentParser
import ECS
import Foundation
import Snapshots

struct GroupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group",
        abstract: "Snapshot several disks at one instant, and roll them back or clone them together.",
        subcommands: [Create.self, List.self, Delete.self, Rollback.self, Clone.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Snapshot disks together: filesystems above them frozen, the disks suspended, all released after.",
            discussion: """
                Examples:
                  dmsnap group create web db --name before-upgrade
                  dmsnap group create web db --dry-run      # print what would be frozen, in which order
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The disks: d- IDs, /dev paths or names.") var disks: [String]
        @Option(help: NameHelp.group) var name: String?
        @Option(help: NameHelp.description) var description: String = ""
        @Option(help: ArgumentHelp("Seconds the I/O may be held before the guardian releases it.", valueName: "seconds"))
        var freezeTimeout: Double = 10
        @Flag(help: "Print the freeze plan and change nothing.") var dryRun = false

        func validate() throws {
            guard !disks.isEmpty else { throw ValidationError("Name at least one disk.") }
            guard freezeTimeout.isFinite, (0.1...600).contains(freezeTimeout) else {
                throw ValidationError("--freeze-timeout must be between 0.1 and 600 seconds.")
            }
        }

        func run() throws {
            try Everyday.run(json: false) {
                let service = try global.service()
                let ids = try disks.map { try service.resolveDisk($0).id }
                let result = try service.createSnapshotGroup(diskIds: ids, name: name, description: description,
                                                             freezeTimeout: .milliseconds(Int64(freezeTimeout * 1000)), dryRun: dryRun)
                guard let group = result.group else {
                    print("Would hold, in this order:")
                    for (index, hold) in result.plan.holds.enumerated() { print("  \(index + 1). \(hold)") }
                    let together = result.plan.takenTogether
                    if !together.isEmpty {
                        print("  (\(together.lowerBound + 1) to \(together.upperBound) at once, each on a thread of its own)")
                    }
                    print("then snapshot every disk, then release in reverse:")
                    for (index, hold) in result.plan.holds.reversed().enumerated() { print("  \(index + 1). \(hold.release)") }
                    if let reason = result.memoryLockReason {
                        print("dmsnap's memory is locked for the hold: \(reason).")
                    } else {
                        print("dmsnap's memory is not locked for the hold: no page of it can come from a held device.")
                    }
                    return
                }
                print("Created snapshot group \(group.id) (\(group.name)): \(result.snapshots.map(\.id).joined(separator: ", ")); I/O held for \(String(format: "%.1f", Double(group.holdWindowMicroseconds) / 1000)) ms.")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List snapshot groups.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print the DescribeSnapshotGroups JSON instead of a table.") var json = false

        func run() throws {
            try Everyday.run(json: json) {
                let groups = try global.service().describeSnapshotGroups()
                if json {
                    let instance = (try? InstanceIdentity.instanceID().rawValue) ?? ""
                    print(try ECSResponse.encode(ECSResponse.DescribeSnapshotGroups(
                        RequestId: ECSResponse.newRequestId(),
                        groups: groups.map { ECSSnapshotGroup($0.group, snapshots: $0.snapshots, instanceId: instance) })))
                    return
                }
                print(TextTable(header: ["GROUP", "NAME", "STATUS", "HELD", "CREATED", "SNAPSHOTS"], rows: groups.map { entry in
                    [entry.group.id, entry.group.name, entry.group.status.rawValue,
                     String(format: "%.1f ms", Double(entry.group.holdWindowMicroseconds) / 1000),
                     ECSRender.timestamp(entry.group.createdAt), entry.snapshots.map(\.id).joined(separator: ",")]
                }).rendered)
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a group and its snapshots.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The group: an ssg- ID.") var group: String

        func run() throws {
            try Everyday.run(json: false) {
                try global.service().deleteSnapshotGroup(group)
                print("Deleted snapshot group \(group).")
            }
        }
    }

    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rollback",
            abstract: "Roll every disk of a group back to the group's snapshot of it; the snapshots are kept.",
            discussion: "Every disk must be unmounted and closed; all are checked before the first rollback.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The group: an ssg- ID.") var group: String

        func run() throws {
            try Everyday.run(json: false) {
                try global.service().resetDisks(toGroup: group)
                print("Rolled back every disk of snapshot group \(group).")
            }
        }
    }

    struct Clone: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "clone", abstract: "Make a new disk from every snapshot of a group.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The group: an ssg- ID.") var group: String

        func run() throws {
            try Everyday.run(json: false) {
                for disk in try global.service().cloneDisks(fromGroup: group) {
                    print("\(disk.id) /dev/mapper/dmsnap-\(disk.id) (from \(disk.sourceSnapshotId ?? "?"))")
                }
            }
        }
    }
}
