import ArgumentParser
import Foundation
import Snapshots

extension SnapshotCommand {
    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "release",
            abstract: "Delete copied snapshots' local thin devices, giving their pool the space back; keep the snapshots.",
            discussion: """
                For a snapshot whose copy into a repository is accomplished. The snapshot stays
                listed (dmsnap snapshots shows LOCAL released, DescribeSnapshots InstantAccess
                false) and is restored from the repository: CreateDisk --SnapshotId, ResetDisk
                or dmsnap rollback. Refused, changing nothing, for a snapshot with no accomplished
                copy, one being copied, one exposed, or the base of a running incremental copy.
                A later copy of the same disk is full unless an earlier snapshot of it is still
                in the pool (an incremental copy reads both thin devices).

                --expired releases the snapshots whose InstantAccessRetentionDays have passed
                (and those taken with InstantAccess false), as the copy worker, activate and
                recover do.

                Examples:
                  dmsnap snapshot release before-upgrade
                  dmsnap snapshot release --expired
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The snapshots: s- IDs or names.")
        var snapshots: [String] = []

        @Flag(help: "Release every snapshot whose InstantAccessRetentionDays have passed, instead of the ones named.")
        var expired = false

        func validate() throws {
            if expired == !snapshots.isEmpty {
                throw ValidationError(expired ? "Give snapshots or --expired, not both." : "Name the snapshots to release, or give --expired.")
            }
        }

        func run() throws {
            try Everyday.run(json: false) {
                let service = try global.service()
                if expired {
                    let sweep = try service.releaseDueSnapshots()
                    Self.report(sweep)
                    if sweep.released.isEmpty && sweep.deferred.isEmpty { print("No snapshot is due to be released.") }
                    return
                }
                let ids = try snapshots.map { try service.resolveSnapshot($0).id }
                for snapshot in try service.releaseSnapshots(ids) {
                    print("Released the local device of snapshot \(snapshot.id) (\(snapshot.name)); it is restored from its repository copy now.")
                }
            }
        }

        /// A sweep's outcome, one line a snapshot.
        static func report(_ sweep: ReleaseSweep) {
            for id in sweep.released { print("released the local device of snapshot \(id) (its InstantAccess ended; its copy is in a repository)") }
            for line in sweep.deferred { print("not released yet: \(line)") }
        }
    }
}
