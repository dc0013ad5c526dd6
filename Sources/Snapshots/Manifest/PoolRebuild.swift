import Foundation

/// One pool's records as a rebuild puts them back: its manifest reconciled
/// with what the kernel holds, which is the truth about what exists.
///
/// - A record keeps its ID, name, times and links when its thin device is
///   still in the pool, and is dropped (and reported) when it is gone; a
///   released snapshot's record is kept without one.
/// - An active dmsnap device mapping a record's ID to another thin id wins
///   over the manifest: a rollback got past its retarget before the crash.
/// - A thin device without a record is never deleted: it becomes a record
///   marked as recovered, with the ID and size of its active device when it
///   has one, else a new snapshot ID and an upper estimate of its size.
struct PoolRebuild {
    var pool: PoolRecord
    var disks: [DiskRecord] = []
    var snapshots: [SnapshotRecord] = []
    var groups: [SnapshotGroupRecord] = []
    /// Thin devices that had no record, and what they became.
    var recovered: [String] = []
    /// Records whose thin device is gone.
    var dropped: [String] = []

    static let recoveredMarker = "recovered by dmsnap recover --rebuild"

    /// - Parameters:
    ///   - found: the pool as the kernel and its files describe it.
    ///   - thinIds: the thin devices in the pool's metadata.
    ///   - volumes: the dmsnap devices active on the pool, by thin id.
    init(found: PoolRecord, manifest: PoolManifest?, thinIds: Set<UInt32>, volumes: [UInt32: ActiveVolume],
         transactionId: UInt64, now: Date = Date()) {
        pool = manifest?.pool ?? found
        pool.dataDevice = found.dataDevice
        pool.metadataDevice = found.metadataDevice
        pool.dataFile = found.dataFile
        pool.metadataFile = found.metadataFile
        pool.transactionId = transactionId
        // The identity of the device the pool is active as; "" for a device made before identities.
        pool.poolId = found.poolId
        let present = thinIds.subtracting([ManifestDevice.thinId])
        // Past every id in the pool, so no new device can collide with one.
        pool.nextThinId = max(pool.nextThinId, present.max().map { $0 + 1 } ?? 0)

        let liveThinId = Dictionary(volumes.map { ($0.value.id, $0.key) }, uniquingKeysWith: { first, _ in first })
        var placed = Set<UInt32>()
        func place(id: String, name: String, thinId: inout UInt32) -> Bool {
            if let live = liveThinId[id], present.contains(live) { thinId = live }
            guard present.contains(thinId), placed.insert(thinId).inserted else {
                dropped.append("\(id) (\(name)): thin device \(thinId) of pool \(pool.name) is gone")
                return false
            }
            return true
        }
        // Names as this dmsnap stores them (`Names`): a manifest from before may hold another normal form.
        for var disk in manifest?.disks ?? [] where place(id: disk.id, name: disk.name, thinId: &disk.thinId) {
            disk.name = Names.normalized(disk.name)
            disks.append(disk)
        }
        // A released snapshot has no thin device to find: its data is in a repository.
        for var snapshot in manifest?.snapshots ?? []
        where snapshot.isReleased || place(id: snapshot.id, name: snapshot.name, thinId: &snapshot.thinId) {
            snapshot.name = Names.normalized(snapshot.name)
            snapshots.append(snapshot)
        }
        let groupIds = Set(snapshots.compactMap(\.groupId))
        groups = (manifest?.groups ?? []).filter { groupIds.contains($0.id) }.map { group in
            var group = group
            group.name = Names.normalized(group.name)
            return group
        }

        let known = Set(disks.map(\.id) + snapshots.map(\.id))
        // Whatever size it had fits in the largest the pool recorded, or in the pool itself.
        let estimate = ((manifest?.disks.map(\.sizeBytes) ?? []) + (manifest?.snapshots.map(\.sourceDiskSizeBytes) ?? [])
                        + [pool.dataSectors * 512]).max() ?? 0
        for thinId in present.subtracting(placed).sorted() {
            let volume = volumes[thinId].flatMap { known.contains($0.id) ? nil : $0 }
            recoverOrphan(thinId, volume: volume, estimate: estimate, now: now)
        }
    }

    private mutating func recoverOrphan(_ thinId: UInt32, volume: ActiveVolume?, estimate: UInt64, now: Date) {
        let name = Names.recovered(pool: pool.name, thinId: thinId)
        let description = "\(Self.recoveredMarker): thin device \(thinId) of pool \(pool.name) had no record"
        if let volume, volume.id.hasPrefix("d-") {
            disks.append(DiskRecord(id: volume.id, name: name, description: description, poolName: pool.name, thinId: thinId,
                                    sizeBytes: volume.sizeBytes, createdAt: now, sourceSnapshotId: nil))
            recovered.append("thin device \(thinId) of pool \(pool.name) had no record; it is active as disk \(volume.id), kept as \(name)")
            return
        }
        let id = volume?.id ?? ResourceID.generate(.snapshot).rawValue
        let size = volume?.sizeBytes ?? estimate
        snapshots.append(SnapshotRecord(id: id, name: name, description: description + (volume == nil ? " (its size is an upper estimate)" : ""),
                                        diskId: "", poolName: pool.name, thinId: thinId, sourceDiskSizeBytes: size,
                                        createdAt: now, modifiedAt: now, retentionDays: nil, groupId: nil, holdWindowMicroseconds: 0))
        recovered.append("thin device \(thinId) of pool \(pool.name) had no record; it is now snapshot \(id) (\(name), \(size) bytes)")
    }
}
