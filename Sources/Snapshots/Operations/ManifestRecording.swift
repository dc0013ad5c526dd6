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
    ///
    /// A manifest that has outgrown its slot does not stop the change: the
    /// kernel has made it already, and a deletion or a recovery must go
    /// through to make room (a change that adds is refused before it starts,
    /// by `requireManifestRoom`). The slot keeps the last manifest that fit,
    /// and a warning says so; a rebuild from it drops what the pool no longer holds.
    func writeManifest(_ db: Database, poolName: String) throws {
        guard let pool = try PoolRecord.fetchOne(db, key: poolName) else { return }
        do {
            try ManifestDevice(pool: nativePool(pool)).write(
                CatalogManifestRecords(db: db, pool: pool, stateDirectory: Self.canonical(stateDirectory)))
        } catch let tooLarge as ManifestSlotWriter.TooLarge {
            FileHandle.standardError.write(Data("""
                dmsnap: warning: \(tooLarge); it keeps the last manifest that fit, and the change was made: \
                delete snapshots or shorten their names and descriptions until the pool's records fit again

                """.utf8))
        }
    }

    /// Refuses, before anything is changed, a change that would add `bytes`
    /// of records to pool `pool`'s manifest when they would not fit its slot.
    /// The newest manifest's length (from its header) answers at once; near
    /// the slot's end, or with no manifest to measure, the catalog's records
    /// are counted as a write would write them.
    func requireManifestRoom(_ pool: PoolRecord, adding bytes: Int) throws {
        guard bytes > 0 else { return }
        // What a change can add besides its records: the pool's counters and the time.
        let margin = 64 << 10
        let limit = ManifestDevice.slotCapacity - ManifestSlot.blockSize
        if let length = try ManifestDevice(pool: nativePool(pool)).newestLength(), length + bytes + margin <= limit { return }
        let (length, payload) = try catalog.read { db in
            var length = 0
            let payload = try CatalogManifestRecords(db: db, pool: pool, stateDirectory: Self.canonical(self.stateDirectory))
                .streamJSON(every: ManifestSlotWriter.chunk) { length += $0.count }
            return (length, payload)
        }
        guard length + bytes + margin <= limit else {
            throw SnapshotsError(.insufficientSpace, """
                pool \(pool.name)'s manifest would need \(length + bytes) bytes, more than its slot's \(limit) \
                (it lists \(payload.disks) disks and \(payload.snapshots) snapshots); nothing was changed: delete \
                snapshots or shorten names and descriptions in the pool, or use another pool
                """)
        }
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

extension SnapshotService {
    /// `requireManifestRoom` for a group of `disks`: in each pool, the
    /// group's record and a snapshot record per disk of that pool.
    func requireManifestRoom(forGroupOf disks: [DiskRecord], name: String?, description: String) throws {
        let placeholder = ResourceID.Kind.snapshotGroup.prefix + String(repeating: "0", count: ResourceID.bodyLength)
        let group = SnapshotGroupRecord(id: placeholder, name: name ?? placeholder, description: description, createdAt: Date(),
                                        status: .progressing, holdWindowMicroseconds: .max, diskIds: disks.map(\.id))
        for (poolName, members) in Dictionary(grouping: disks.indices, by: { disks[$0].poolName }) {
            let pool = try pool(named: poolName)
            let snapshots = members.map { index in
                var payload = IntentPayload(id: ResourceID.Kind.snapshot.prefix + String(repeating: "0", count: ResourceID.bodyLength),
                                            diskId: disks[index].id)
                payload.name = Names.member(ofGroup: name, index: index + 1) ?? payload.id
                payload.groupId = placeholder
                return ManifestSize.of(SnapshotRecord(largestOf: payload, pool: pool))
            }
            try requireManifestRoom(pool, adding: ManifestSize.of(group) + snapshots.reduce(0, +))
        }
    }
}

extension SnapshotRecord {
    /// The record a snapshot intent makes, with every number at its widest:
    /// what it can add to a manifest at most.
    init(largestOf payload: IntentPayload, pool: PoolRecord) {
        self.init(id: payload.id, name: payload.name, description: payload.description, diskId: payload.diskId ?? "",
                  poolName: pool.name, thinId: .max, sourceDiskSizeBytes: .max, createdAt: Date(), modifiedAt: Date(),
                  retentionDays: payload.retentionDays.map { _ in Int(Int32.max) }, groupId: payload.groupId,
                  holdWindowMicroseconds: .max)
        instantAccessRetentionDays = payload.instantAccessRetentionDays.map { _ in Int(Int32.max) }
    }
}
