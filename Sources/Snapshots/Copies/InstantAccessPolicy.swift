import Foundation

/// ECS's InstantAccess and InstantAccessRetentionDays on CreateSnapshot, in
/// dmsnap's terms. A dmsnap snapshot is always usable at once (its thin
/// snapshot is ECS's instant access); the parameters say when that local
/// device goes, leaving the copy in a repository as the snapshot's data:
///
/// - neither: it stays until released by hand (`snapshot release`);
/// - `InstantAccess false`: it goes as soon as the copy is accomplished (the
///   copy worker releases it);
/// - `InstantAccessRetentionDays N` (1 to 65535; with `InstantAccess true` or
///   alone): it goes at the first sweep N days after the snapshot was taken
///   (the copy worker after each copy, `activate`, `recover`, `snapshot
///   release --expired`), once its copy is accomplished.
///
/// `InstantAccess false` with a retention is a contradiction and refused, as
/// is either without a repository to copy into: nothing is accepted and ignored.
public enum InstantAccessPolicy {
    public static let retentionDaysRange = 1...65535

    /// The `SnapshotRecord.instantAccessRetentionDays` the parameters ask for.
    public static func retentionDays(instantAccess: Bool?, instantAccessRetentionDays days: Int?) throws -> Int? {
        if let days, !retentionDaysRange.contains(days) {
            throw SnapshotsError(.invalidParameter, "InstantAccessRetentionDays must be between 1 and 65535, not \(days)")
        }
        switch (instantAccess, days) {
        case (false?, _?):
            throw SnapshotsError(.invalidParameter, """
                InstantAccess false releases the local snapshot as soon as it is copied, so InstantAccessRetentionDays \
                cannot keep it; give one or the other
                """)
        case (false?, nil): return 0
        case (_, let days?): return days
        case (_, nil): return nil
        }
    }
}

extension SnapshotService {
    /// The local device may only go once the snapshot is copied: a new snapshot
    /// with InstantAccess parameters needs a repository it is copied into (its
    /// pool's target, else the default one).
    func requireCopyTargetForInstantAccess(diskId: String) throws {
        try Validation.requireID(diskId, kind: .disk)
        let poolName = try disk(diskId).poolName
        guard try copyTarget(forPool: poolName) == nil else { return }
        throw SnapshotsError(.invalidParameter, """
            InstantAccess and InstantAccessRetentionDays decide when a snapshot's local device goes once it is \
            copied, but disk \(diskId)'s pool \(poolName) has no copy target: add a repository with \
            dmsnap repository add NAME PATH --default, or give the pool one with dmsnap pool set \(poolName) --copy-to NAME
            """)
    }
}
