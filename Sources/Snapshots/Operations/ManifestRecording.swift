import Foundation
import GRDB

extension SnapshotService {
    /// Writes pool `poolName`'s manifest from the catalog as `db` holds it.
    ///
    /// Called inside the catalog transaction that records a change, after the
    /// change's rows: when the write fails the transaction rolls back and the
    /// intent stays, so `recover` repeats both; when dmsnap dies between the
    /// write and the catalog's commit, the intent is still there and recovery
    /// writes the manifest again. A name that is not a native pool (LVM's
    /// `vg/pool`) has no manifest: LVM tags its LVs instead.
    func writeManifest(_ db: Database, poolName: String) throws {
        guard let pool = try PoolRecord.fetchOne(db, key: poolName) else { return }
        try ManifestDevice(pool: nativePool(pool)).write(
            CatalogManifestRecords(db: db, pool: pool, stateDirectory: Self.canonical(stateDirectory)))
    }

    /// The manifests of every native pool that holds a snapshot of group `groupId`.
    func writeManifests(_ db: Database, ofGroup groupId: String) throws {
        let pools = try String.fetchAll(db, sql: "SELECT DISTINCT poolName FROM snapshot WHERE groupId = ? AND backend = ?",
                                        arguments: [groupId, Backend.native.rawValue])
        for pool in pools { try writeManifest(db, poolName: pool) }
    }

    /// The form of a state directory path that manifests record and compare.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}

/// A native pool's records as the catalog holds them, read row by row while
/// the manifest's JSON is written, in the order a rebuild puts them back.
struct CatalogManifestRecords: ManifestRecords {
    let db: Database
    let pool: PoolRecord
    let stateDirectory: String?
    let writtenAt = Date()

    private var inPool: SQLExpression {
        Column("poolName") == pool.name && Column("backend") == Backend.native.rawValue
    }

    func estimatedCount() throws -> Int {
        try DiskRecord.filter(inPool).fetchCount(db) + SnapshotRecord.filter(inPool).fetchCount(db)
    }

    func forEachDisk(_ body: (DiskRecord) throws -> Void) throws {
        try DiskRecord.filter(inPool).order(Column("createdAt"), Column("id")).fetchCursor(db).forEach(body)
    }

    func forEachSnapshot(_ body: (SnapshotRecord) throws -> Void) throws {
        try SnapshotRecord.filter(inPool).order(Column("createdAt"), Column("id")).fetchCursor(db).forEach(body)
    }

    func forEachGroup(_ body: (SnapshotGroupRecord) throws -> Void) throws {
        let groupIds = SnapshotRecord.filter(inPool).select(Column("groupId"))
        try SnapshotGroupRecord.filter(groupIds.contains(Column("id"))).order(Column("id")).fetchCursor(db).forEach(body)
    }
}
