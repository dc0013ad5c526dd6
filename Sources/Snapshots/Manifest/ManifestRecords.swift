import Foundation

/// What a manifest is written from: the pool's record, and its disks,
/// snapshots and groups handed over one at a time.
///
/// A `PoolManifest` hands over its arrays; a write from the catalog hands over
/// rows as the database reads them, so that a pool of ten thousand snapshots
/// is in memory as JSON alone, never also as ten thousand records.
protocol ManifestRecords {
    var pool: PoolRecord { get }
    var writtenAt: Date { get }
    var stateDirectory: String? { get }
    /// How many records there are, to size the JSON's buffer; need not be exact.
    func estimatedCount() throws -> Int
    func forEachDisk(_ body: (DiskRecord) throws -> Void) throws
    func forEachSnapshot(_ body: (SnapshotRecord) throws -> Void) throws
    /// The groups of the snapshots `forEachSnapshot` hands over.
    func forEachGroup(_ body: (SnapshotGroupRecord) throws -> Void) throws
}

extension PoolManifest: ManifestRecords {
    func estimatedCount() -> Int { disks.count + snapshots.count + groups.count }
    func forEachDisk(_ body: (DiskRecord) throws -> Void) rethrows { try disks.forEach(body) }
    func forEachSnapshot(_ body: (SnapshotRecord) throws -> Void) rethrows { try snapshots.forEach(body) }
    func forEachGroup(_ body: (SnapshotGroupRecord) throws -> Void) rethrows { try groups.forEach(body) }
}
