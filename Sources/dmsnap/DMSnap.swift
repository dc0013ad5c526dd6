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
            GroupCommand.self, CreateSnapshotGroupVerb.self, DescribeSnapshotGroupsVerb.self, DeleteSnapshotGroupVerb.self,
            RepositoryCommand.self, GuardianCommand.self, CopyWorkerCommand.self, DebugCommand.self,
        ]
    )

    /// ArgumentParser's own `main`, except for how a usage error is printed
    /// (see `UsageError`).
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            if exitCode(for: error).isSuccess { exit(withError: error) }  // --help, --version
            UsageError.exit(arguments, error: error)
        }
        do {
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
