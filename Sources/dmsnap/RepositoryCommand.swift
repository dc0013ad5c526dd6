import ArgumentParser
import Foundation
import Repository
import Snapshots

struct RepositoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repository",
        abstract: "Add, list, check and prune the repositories snapshots are copied into.",
        discussion: """
            A repository is a directory kept apart from the disks: another disk, an NFS or
            CIFS mount, a USB disk. It holds each copied snapshot's data as compressed,
            content-addressed chunks and one manifest per snapshot (docs/repository-format.md),
            so a snapshot copied there outlives its pool and restores on any host that
            adds the same directory.

            Examples:
              dmsnap repository add offsite /mnt/backup/dmsnap --default
              dmsnap pool set vg0/pool0 --copy-to nearby
              dmsnap snapshot copy before-upgrade
              dmsnap repository check offsite --read-data
            """,
        subcommands: [Add.self, List.self, Remove.self, Snapshots.self, Check.self, Prune.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a directory as a repository: a new one if it is empty, else the one it holds (attach).",
            discussion: "A repository another host wrote is attached under its own ID; its snapshots can then be restored here.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The repository's name on this host.")
        var name: String

        @Argument(help: "An absolute path: an empty or absent directory, or a repository.")
        var path: String

        @Flag(name: .customLong("default"), help: "Copy snapshots here when no repository is named.")
        var isDefault = false

        func validate() throws {
            guard path.hasPrefix("/") else { throw ValidationError("The repository path must be absolute: '\(path)'.") }
        }

        func run() throws {
            try Everyday.run(json: false) {
                let record = try global.service().addRepository(name: name, path: path, isDefault: isDefault)
                print("Added repository \(record.name) (\(record.repositoryId)) at \(record.path)\(record.isDefault ? ", the default" : "").")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the repositories.", aliases: ["ls"])

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() throws {
            try Everyday.run(json: json) {
                let rows = try global.service().listRepositories().map(RepositoryRow.init)
                if json { return print(try JSONOutput.encode(rows)) }
                print(TextTable(header: ["REPOSITORY", "ID", "PATH", "DEFAULT", "FOR POOLS", "SNAPSHOTS", "STATE"],
                                rows: rows.map(\.cells)).rendered)
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Forget a repository on this host. Its directory and everything in it stay.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The repository's name.")
        var name: String

        func run() throws {
            try Everyday.run(json: false) {
                try global.service().removeRepository(name: name)
                print("Removed repository \(name) from this host; its directory is untouched.")
            }
        }
    }

    struct Snapshots: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "snapshots",
            abstract: "List the snapshots a repository holds, whichever host copied them.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The repository's name.")
        var name: String

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() throws {
            try Everyday.run(json: json) {
                let rows = try global.service().repositorySnapshots(name: name).map(RepositorySnapshotRow.init)
                if json { return print(try JSONOutput.encode(rows)) }
                print(TextTable(header: ["SNAPSHOT", "DISK", "DISK NAME", "SIZE", "CHUNKS", "CREATED"], rows: rows.map(\.cells)).rendered)
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check every manifest of a repository and, with --read-data, every chunk.",
            discussion: "Exits 1 and names each damaged manifest and chunk when anything is damaged.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The repository's name.")
        var name: String

        @Flag(name: .customLong("read-data"), help: "Read and hash every chunk too (reads the whole repository).")
        var readData = false

        func run() throws {
            try Everyday.run(json: false) {
                let report = try global.service().checkRepository(name: name, readData: readData)
                for manifest in report.damagedManifests { print("damaged manifest: snapshot \(manifest.snapshotId): \(manifest.reason)") }
                for chunk in report.damagedChunks { print("damaged chunk: \(chunk.chunk): \(chunk.reason)") }
                for chunk in report.missingChunks {
                    print("missing chunk: \(chunk.chunk), snapshot \(chunk.snapshotId) at offset \(chunk.offset)")
                }
                let problems = report.damagedManifests.count + report.damagedChunkCount + report.missingChunkCount
                print("""
                    Checked repository \(name): \(report.manifestsChecked) manifest(s)\(readData ? ", \(report.chunksChecked) chunk(s)" : ""); \
                    \(report.isHealthy ? "no damage found" : "\(problems) problem(s)").
                    """)
                if !report.isHealthy { throw ExitCode(1) }
            }
        }
    }

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prune",
            abstract: "Remove the chunks no snapshot's manifest uses any more.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The repository's name.")
        var name: String

        func run() throws {
            try Everyday.run(json: false) {
                let report = try global.service().pruneRepository(name: name)
                print("Pruned repository \(name): removed \(report.chunksRemoved) chunk(s), \(ByteSize.format(report.bytesFreed)) freed.")
            }
        }
    }
}

/// One repository as `repository list` shows it.
struct RepositoryRow: Encodable {
    var name, repositoryId, path: String
    var isDefault: Bool
    /// The pools whose snapshots are copied here before the default.
    var pools: [String]
    var snapshots: Int?
    var problem: String?

    init(_ report: RepositoryReport) {
        name = report.record.name
        repositoryId = report.record.repositoryId
        path = report.record.path
        isDefault = report.record.isDefault
        pools = report.pools
        snapshots = report.snapshotCount
        problem = report.problem
    }

    var cells: [String] {
        [name, repositoryId, path, isDefault ? "yes" : "", pools.joined(separator: ","), snapshots.map(String.init) ?? "-", problem ?? "ok"]
    }
}

/// One snapshot a repository holds, as `repository snapshots` shows it.
struct RepositorySnapshotRow: Encodable {
    var snapshotId, diskId, diskName: String
    var sizeBytes: UInt64
    var baseSnapshotId: String?
    var nonZeroChunks: Int
    var created: String

    init(_ manifest: Manifest) {
        snapshotId = manifest.snapshotId
        diskId = manifest.diskId
        diskName = manifest.diskName
        sizeBytes = manifest.volumeSize
        baseSnapshotId = manifest.baseSnapshotId
        nonZeroChunks = manifest.nonZeroChunkCount
        created = ECSRender.timestamp(manifest.created)
    }

    var cells: [String] { [snapshotId, diskId, diskName, ByteSize.format(sizeBytes), String(nonZeroChunks), created] }
}
