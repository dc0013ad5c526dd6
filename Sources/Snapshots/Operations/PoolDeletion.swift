import DeviceMapper
import Foundation
import GRDB

/// `pool delete`, under an intent: once the intent is written the deletion
/// only goes forward, each step skipping what is already gone, so a kill at
/// any point is finished by `recover`. The record goes last, with the intent.
extension SnapshotService {
    /// Deletes an empty pool: its device, and for a file-backed pool its loop devices and files.
    public func deletePool(name: String) throws {
        try mutating {
            let record = try pool(named: name)
            let (disks, snapshots) = try catalog.read { db in
                (try DiskRecord.filter(Column("poolName") == name).fetchCount(db),
                 try SnapshotRecord.filter(Column("poolName") == name).fetchCount(db))
            }
            guard disks == 0, snapshots == 0 else {
                throw SnapshotsError(.poolInUse, "pool \(name) still has \(disks) disk(s) and \(snapshots) snapshot(s); delete them first")
            }
            // Refuses a live device of its name that is not this pool's, before anything changes.
            try nativePool(record).requireOwnDevice()
            let intent = try catalog.write { db in
                var intent = IntentRecord(id: nil, operation: IntentOperation.deletePool.rawValue, poolName: name,
                                          transactionId: record.transactionId,
                                          payload: try JSONEncoder().encode(IntentPayload(id: record.poolId, name: name, pool: record)),
                                          createdAt: Date())
                try intent.insert(db)
                return intent
            }
            CrashPoint.reach("deletePool.afterIntent")
            try finishPoolDeletion(record, intent: intent)
        }
    }

    /// The steps of a deletion from wherever a kill stopped it: the manifest's
    /// thin device, the devices, the files, then the record with the intent.
    func finishPoolDeletion(_ record: PoolRecord, intent: IntentRecord?) throws {
        let native = nativePool(record)
        if try native.requireOwnDevice() {
            try ManifestDevice(pool: native).delete()
            CrashPoint.reach("deletePool.afterManifest")
            try deviceMapper.remove(native.deviceName)
        }
        CrashPoint.reach("deletePool.afterDevice")
        if let dataFile = record.dataFile, let metadataFile = record.metadataFile {
            try removePoolFiles(data: dataFile, metadata: metadataFile)
        }
        CrashPoint.reach("deletePool.afterFiles")
        try catalog.write { db in
            _ = try PoolRecord.deleteOne(db, key: record.name)
            if let intent { _ = try intent.delete(db) }
        }
    }

    /// A file-backed pool deleted by a dmsnap that wrote no intent for it and
    /// was killed midway: its record is left, one of its files gone. With no
    /// disk, snapshot or operation of its own, the deletion is finished; the
    /// pool cannot be activated without that file anyway. Returns their names.
    func finishAbandonedPoolDeletions() throws -> [String] {
        let pools = try catalog.read { db in try PoolRecord.filter(Column("dataFile") != nil).fetchAll(db) }
        var finished: [String] = []
        for pool in pools {
            let files = [pool.dataFile, pool.metadataFile].compactMap { $0 }
            guard files.contains(where: { file in
                var status = stat()
                return lstat(file, &status) != 0 && errno == ENOENT
            }) else { continue }
            let inUse = try catalog.read { db in
                try DiskRecord.filter(Column("poolName") == pool.name).fetchCount(db)
                    + SnapshotRecord.filter(Column("poolName") == pool.name).fetchCount(db)
                    + IntentRecord.filter(Column("poolName") == pool.name).fetchCount(db)
            }
            guard inUse == 0 else { continue }
            try finishPoolDeletion(pool, intent: nil)
            finished.append("deletePool \(pool.name) (its files were already gone)")
        }
        return finished
    }
}
