import ArgumentParser
import Foundation
import Snapshots

extension SnapshotCommand {
    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copy",
            abstract: "Copy a snapshot into a repository: in full the first time, then only what changed.",
            discussion: """
                The first copy of a disk reads only the blocks its snapshot maps; a later one
                reads only the blocks changed since the disk's last snapshot copied into the
                same repository that is still in its pool. The snapshot stays usable while it
                is copied, in the background (a worker process that outlives this command;
                recover and activate restart one a crash interrupted) unless --wait. Meanwhile
                dmsnap snapshots and DescribeSnapshots show Status progressing, Progress and
                RemainTime. With --wait on a terminal a progress bar shows the bytes done, the
                rate and the time left.

                Examples:
                  dmsnap snapshot copy before-upgrade --to offsite --wait
                  dmsnap snapshot copy s-0123456789abcdefghij
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The snapshot: an s- ID or its name.")
        var snapshot: String

        @Option(help: ArgumentHelp("The repository (default: the one added with --default).", valueName: "repository"))
        var to: String?

        @Flag(help: "Copy in this process and return when the copy has ended, with a progress bar on a terminal (default: copy in the background and return at once).")
        var wait = false

        @Flag(help: "Print the copy's record as JSON instead of a sentence.")
        var json = false

        func run() throws {
            try Everyday.run(json: json) {
                let service = try global.service()
                let record = try service.resolveSnapshot(snapshot)
                guard wait else {
                    let copy = try service.startCopy(record.id, to: to)
                    if json { return print(try JSONOutput.encode(CopyRow(copy))) }
                    return print(copy.status == .accomplished
                        ? "Snapshot \(record.id) (\(record.name)) is already copied into repository \(copy.repositoryId)."
                        : "Copying snapshot \(record.id) (\(record.name)) into repository \(copy.repositoryId) in the background; dmsnap snapshots shows its progress.")
                }
                let bar = ProgressBar("copy \(record.id)")
                let copy = try service.copySnapshot(record.id, to: to) { step in
                    bar.update(done: step.bytesDone, total: step.bytesTotal, bytesPerSecond: step.bytesPerSecond, remainSeconds: step.remainSeconds)
                }
                bar.finish()
                if json { return print(try JSONOutput.encode(CopyRow(copy))) }
                let kind = copy.baseSnapshotId.map { "incremental from \($0)" } ?? "full"
                print("Copied snapshot \(record.id) (\(record.name)) into repository \(copy.repositoryId): \(kind), \(ByteSize.format(copy.bytesTotal)) read.")
            }
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Make a new disk from a snapshot's copy in a repository, on this host or any other.",
            discussion: """
                For when the snapshot's pool, or its host, is gone. Only the copy's non-zero
                chunks are written, each checked against its SHA-256; a damaged chunk fails the
                restore, naming the offset and the chunk, and the half-made disk is deleted.

                Example:
                  dmsnap snapshot restore s-0123456789abcdefghij --from offsite --name data-restored
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The snapshot's s- ID (see dmsnap repository snapshots).")
        var snapshotId: String

        @Option(help: ArgumentHelp("The repository (default: the first that holds the snapshot).", valueName: "repository"))
        var from: String?

        @Option(help: NameHelp.disk)
        var name: String?

        @Option(help: ArgumentHelp("The pool for the new disk (default: the only pool, or the one named default).", valueName: "pool"))
        var pool: String?

        @Flag(help: "Print the new disk as DescribeDisks gives it (JSON) instead of a sentence.")
        var json = false

        func validate() throws {
            guard snapshotId.hasPrefix("s-") else { throw ValidationError("Give the snapshot's s- ID (dmsnap repository snapshots lists them), not '\(snapshotId)'.") }
        }

        func run() throws {
            try Everyday.run(json: json) {
                let service = try global.service()
                let bar = ProgressBar("restore \(snapshotId)")
                let disk = try service.restoreDisk(snapshotId: snapshotId, from: from, name: name, poolName: pool) { step in
                    bar.update(done: step.bytesDone, total: step.bytesTotal, bytesPerSecond: step.bytesPerSecond, remainSeconds: step.remainSeconds)
                }
                bar.finish()
                if json { return print(try ECSRender.disk(disk.id, service: service)) }
                print("Restored snapshot \(snapshotId) to disk \(disk.id) (\(disk.name)) at /dev/mapper/dmsnap-\(disk.id)")
            }
        }
    }
}

/// A snapshot's copy as `snapshot copy --json` prints it.
struct CopyRow: Encodable {
    var snapshotId, repositoryId, status: String
    var baseSnapshotId: String?
    var bytesRead: UInt64
    var reason: String?

    init(_ record: SnapshotCopyRecord) {
        snapshotId = record.snapshotId
        repositoryId = record.repositoryId
        status = record.status.rawValue
        baseSnapshotId = record.baseSnapshotId
        bytesRead = record.bytesTotal
        reason = record.reason
    }
}

/// Internal: the worker process of a background copy (see `CopyWorker`).
struct CopyWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy-worker", abstract: "Internal: copy a snapshot in the background.", shouldDisplay: false)

    @OptionGroup var global: GlobalOptions

    @Argument var snapshotId: String
    @Argument var repository: String

    func run() throws {
        try Everyday.run(json: false) {
            let service = try global.service()
            let copy = try service.copySnapshot(snapshotId, to: repository)
            print("\(Date()): copied snapshot \(snapshotId) into repository \(copy.repositoryId): \(copy.bytesTotal) bytes read")
            // Local devices due to go once copied (InstantAccess false, InstantAccessRetentionDays passed).
            SnapshotCommand.Release.report(try service.releaseDueSnapshots())
        }
    }
}
