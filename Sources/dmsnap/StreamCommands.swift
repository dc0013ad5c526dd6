import ArgumentParser
import Foundation
import Snapshots

extension SnapshotCommand {
    struct Send: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "send",
            abstract: "Write a snapshot as a stream to standard output, in full or changed since a base.",
            discussion: """
                The stream (docs/stream-format.md) names the snapshot, its disk and the volume
                size, holds the snapshot's mapped ranges (or, with --from, the ranges changed
                since BASE, an earlier snapshot of the same disk) as data and zero records, and
                ends with counts and a SHA-256 digest. dmsnap snapshot receive reads it, here or
                on another host. Standard output must not be a terminal.

                Examples:
                  dmsnap snapshot send before-upgrade > before-upgrade.dmsnap
                  dmsnap snapshot send after --from before | ssh backup dmsnap snapshot receive
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The snapshot: an s- ID or its name.")
        var snapshot: String

        @Option(help: ArgumentHelp("Send only what changed since this earlier snapshot of the same disk, which the receiving host holds.",
                                   valueName: "base"))
        var from: String?

        func run() throws {
            try Everyday.run(json: false) {
                guard isatty(STDOUT_FILENO) == 0 else {
                    throw SnapshotsError(.invalidParameter, "refusing to write a binary stream to a terminal; redirect standard output to a file or a pipe")
                }
                let service = try global.service()
                let record = try service.resolveSnapshot(snapshot)
                let base = try from.map { try service.resolveSnapshot($0).id }
                let tally = try service.sendSnapshot(record.id, from: base, to: STDOUT_FILENO)
                let kind = base.map { "incremental from \($0)" } ?? "full"
                FileHandle.standardError.write(Data("""
                    Sent snapshot \(record.id) (\(kind)): \(tally.dataRecords) data records (\(ByteSize.format(tally.dataBytes))), \
                    \(tally.zeroRecords) zero records (\(ByteSize.format(tally.zeroBytes))).\n
                    """.utf8))
            }
        }
    }

    struct Receive: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "receive",
            abstract: "Read a stream from standard input into a new disk, and snapshot it under the sent snapshot's ID.",
            discussion: """
                A full stream makes a new disk of the stream's size; an incremental one clones
                its base, which must be a snapshot on this host (received before), and is
                refused before anything is made otherwise. The new disk's snapshot carries the
                sent snapshot's s- ID, so the next incremental stream can be received onto it.
                A truncated or altered stream is refused and the disk made for it deleted.

                Example:
                  dmsnap snapshot receive --pool backup --name data-copy < before-upgrade.dmsnap
                """)

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("The pool for a full stream's disk (default: the only pool, or the one named default); an incremental one lives in its base's pool.", valueName: "pool"))
        var pool: String?

        @Option(help: NameHelp.disk)
        var name: String?

        @Flag(help: "Print the new disk as DescribeDisks gives it (JSON) instead of a sentence.")
        var json = false

        func run() throws {
            try Everyday.run(json: json) {
                let service = try global.service()
                let received = try service.receiveSnapshot(from: STDIN_FILENO, poolName: pool, name: name)
                if json { return print(try ECSRender.disk(received.disk.id, service: service)) }
                let kind = received.header.baseSnapshotId.map { "incremental from \($0)" } ?? "full"
                print("""
                    Received snapshot \(received.snapshot.id) (\(kind)) into disk \(received.disk.id) \
                    (\(received.disk.name)) at /dev/mapper/dmsnap-\(received.disk.id)
                    """)
            }
        }
    }
}
