import ArgumentParser
import Foundation

@main
struct DMSnap: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "dmsnap",
        abstract: "Thin-provisioned snapshots of Linux block devices, with ECS-style IDs.",
        discussion: """
            dmsnap snapshots LVM thin volumes and thin volumes in pools it manages
            itself through device-mapper, rolls disks back and keeps the snapshot.
            It must run as root.

            Examples:
              dmsnap version
              dmsnap dm ls
            """,
        version: version,
        subcommands: [
            VersionCommand.self, PoolCommand.self, DisksCommand.self, DiskCommand.self, SnapshotsCommand.self,
            SnapshotCommand.self, RollbackCommand.self, CloneCommand.self, ActivateCommand.self, RecoverCommand.self, DMCommand.self,
            CreateDiskVerb.self, DescribeDisksVerb.self, DeleteDiskVerb.self, CreateSnapshotVerb.self, DescribeSnapshotsVerb.self,
            DeleteSnapshotVerb.self, ModifySnapshotAttributeVerb.self, ResetDiskVerb.self, ResetDisksVerb.self,
        ]
    )

    /// ArgumentParser's own `main`, except that a usage error of an ECS verb is
    /// answered as ECS answers one: a JSON error on stderr, which automation
    /// parses like any other failure.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            ECSUsageError.exitIfECSVerb(arguments, error: error)
            exit(withError: error)
        }
        do {
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
