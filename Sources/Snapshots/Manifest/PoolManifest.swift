import Foundation

/// What a native pool says of itself, kept on the pool (see `ManifestDevice`)
/// so that a lost catalog can be rebuilt from the pools: the pool's own record
/// and the records of its disks, snapshots and snapshot groups, as the catalog
/// held them when the pool last changed.
///
/// The records are the catalog's own types, so a rebuild puts back exactly
/// what was there: IDs, names, descriptions, thin ids, sizes, times, a
/// snapshot's source disk and group, a clone's source snapshot.
public struct PoolManifest: Codable, Sendable, Equatable {
    /// The pool; its `transactionId` is the pool's transaction id the
    /// manifest was written at, and its devices are as this host last named them.
    public var pool: PoolRecord
    public var disks: [DiskRecord]
    public var snapshots: [SnapshotRecord]
    /// The groups the pool's snapshots belong to (a group spanning pools is in each).
    public var groups: [SnapshotGroupRecord]
    public var writtenAt: Date
    /// The state directory whose catalog the pool belongs to, so that a rebuild
    /// in another state directory on the same host leaves the pool alone.
    public var stateDirectory: String?

    public var transactionId: UInt64 { pool.transactionId }

    public init(pool: PoolRecord, disks: [DiskRecord], snapshots: [SnapshotRecord],
                groups: [SnapshotGroupRecord], writtenAt: Date = Date(), stateDirectory: String? = nil) {
        self.pool = pool
        self.disks = disks
        self.snapshots = snapshots
        self.groups = groups
        self.writtenAt = writtenAt
        self.stateDirectory = stateDirectory
    }

    /// Every thin id the manifest accounts for (a released snapshot has none).
    var thinIds: Set<UInt32> { Set(disks.map(\.thinId) + snapshots.filter { !$0.isReleased }.map(\.thinId)) }
}
