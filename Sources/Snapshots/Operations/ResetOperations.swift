import DeviceMapper
import Foundation
import GRDB

extension SnapshotService {
    /// Rolls a disk back to a snapshot of it (ECS ResetDisk). The snapshot is
    /// kept, and the disk keeps its ID and device path: a new thin device is
    /// made from the snapshot, the disk's table is pointed at it, and the old
    /// one is deleted.
    ///
    /// An LVM disk is rolled back by merging a copy of the snapshot; an open one
    /// is refused unless `deferred`, and LVM then merges at its next activation.
    ///
    /// A released snapshot (its data only in a repository) is restored from
    /// its copy into a new thin device of the disk's pool, which then takes
    /// the disk's place (`resetNativeDiskFromRepository`); `progress` follows it.
    public func resetDisk(_ diskId: String, toSnapshot snapshotId: String, deferred: Bool = false,
                          progress: (CopyProgress) -> Void = { _ in }) throws {
        try resetDisks([(diskId, snapshotId)], deferred: deferred, progress: progress)
    }

    /// Several rollbacks in one invocation (ECS ResetDisks, `group rollback`).
    /// Everything every pair needs is checked before the first rollback (see
    /// `checkResets`), so a refusal leaves every disk as it was.
    public func resetDisks(_ pairs: [(diskId: String, snapshotId: String)], deferred: Bool = false,
                           progress: (CopyProgress) -> Void = { _ in }) throws {
        try Self.requireIDs(pairs)
        try mutating {
            let resets = try checkResets(pairs, deferred: deferred)
            var done: [String] = []
            for (disk, snapshot) in resets {
                do {
                    if disk.backend == .lvm {
                        try resetLVMDisk(disk, to: snapshot, deferred: deferred)
                    } else if snapshot.isReleased {
                        try resetNativeDiskFromRepository(disk, to: snapshot, progress: progress)
                    } else {
                        try resetNativeDisk(disk, to: snapshot)
                    }
                } catch let error as SnapshotsError where !done.isEmpty {
                    // Every check passed, so only the kernel or LVM failing midway gets here: say what was done.
                    throw SnapshotsError(error.code, "\(error.message); disks \(done.joined(separator: ", ")) were rolled back already, "
                                         + "\(resets.dropFirst(done.count).map(\.0.id).joined(separator: ", ")) were not")
                }
                done.append(disk.id)
            }
        }
    }

    /// Malformed IDs are refused before the lock and recovery, which touch the kernel.
    private static func requireIDs(_ pairs: [(diskId: String, snapshotId: String)]) throws {
        for (diskId, snapshotId) in pairs {
            try Validation.requireID(diskId, kind: .disk)
            try Validation.requireID(snapshotId, kind: .snapshot)
        }
    }

    /// Checks everything each rollback needs, for every pair, before any runs:
    /// each disk named once, the snapshot taken of the disk (or the disk
    /// cloned from it), the disk not mounted or open, its pool writable with a
    /// thin device id free for each rollback in it (native), and for LVM
    /// disks what `lvmResetVolumes` checks against LVM's report.
    private func checkResets(_ pairs: [(diskId: String, snapshotId: String)], deferred: Bool) throws -> [(DiskRecord, SnapshotRecord)] {
        var seen = Set<String>()
        for (diskId, _) in pairs where !seen.insert(diskId).inserted {
            throw SnapshotsError(.invalidParameter, "disk \(diskId) is given twice; give each disk one snapshot")
        }
        let resets = try pairs.map { try checkReset($0.diskId, $0.snapshotId, deferred: deferred) }
        let perPool = Dictionary(grouping: resets.filter { $0.0.backend == .native }, by: \.0.poolName)
        for (poolName, inPool) in perPool.sorted(by: { $0.key < $1.key }) {
            let pool = try pool(named: poolName)
            try nativePool(pool).requireWritable()
            guard UInt64(pool.nextThinId) + UInt64(inPool.count) <= UInt64(ManifestDevice.thinId) else {
                throw SnapshotsError(.insufficientSpace, "pool \(pool.name) has handed out every thin device id; make a new pool")
            }
        }
        // One pair alone needs no look ahead: resetLVMDisk checks the same
        // right before its first change, and another LVM report costs a liblvm2cmd run.
        let lvmResets = resets.filter { $0.0.backend == .lvm }
        if !lvmResets.isEmpty && resets.count > 1 {
            try withLVM { session in
                let inventory = try discoverLVM(session)
                for (disk, snapshot) in lvmResets { _ = try lvmResetVolumes(disk, to: snapshot, deferred: deferred, in: inventory) }
            }
        }
        return resets
    }

    /// The checks of one pair that need only the catalog and the disk's own device.
    private func checkReset(_ diskId: String, _ snapshotId: String, deferred: Bool) throws -> (DiskRecord, SnapshotRecord) {
        let disk = try disk(diskId)
        let snapshot = try snapshot(snapshotId)
        guard snapshot.backend == disk.backend else {
            throw SnapshotsError(.invalidParameter, "snapshot \(snapshot.id) (\(snapshot.backend)) was not taken of disk \(disk.id) (\(disk.backend))")
        }
        if snapshot.isReleased && disk.backend == .lvm {
            throw SnapshotsError(.unsupportedDisk, """
                snapshot \(snapshot.id) was released (its data is only in a repository), and disk \(disk.id) is an LVM \
                volume: dmsnap restores a repository's copy into native pools only, so it cannot roll this disk back \
                to it; make a new native disk of it with CreateDisk --SnapshotId \(snapshot.id)
                """)
        }
        if disk.backend == .lvm { return (disk, snapshot) }  // LVM's checks need the LVs: lvmResetVolumes.
        if deferred {
            throw SnapshotsError(.invalidParameter, "a deferred rollback is for LVM disks; disk \(disk.id) is in a native pool")
        }
        guard snapshot.diskId == disk.id || disk.sourceSnapshotId == snapshot.id else {
            throw SnapshotsError(.invalidParameter, "snapshot \(snapshot.id) was not taken of disk \(disk.id)")
        }
        try requireIdle(disk)
        if snapshot.isReleased { try requireRestorableCopy(of: snapshot, onto: disk) }
        return (disk, snapshot)
    }

    /// One native rollback, its checks done.
    private func resetNativeDisk(_ disk: DiskRecord, to snapshot: SnapshotRecord) throws {
        let pool = try pool(named: disk.poolName)
        let native = nativePool(pool)
        var payload = IntentPayload(id: disk.id, diskId: disk.id, snapshotId: snapshot.id, sizeBytes: disk.sizeBytes)
        payload.oldThinId = disk.thinId
        let (intent, current) = try beginIntent(.resetDisk, pool: pool, payload: payload)
        payload = try JSONDecoder().decode(IntentPayload.self, from: intent.payload)
        guard let thinId = payload.newThinId else { throw SnapshotsError(.internalError, "intent without a thin id") }
        CrashPoint.reach("resetDisk.afterIntent")
        try native.send(.createSnapshot(ThinDeviceID(thinId), origin: ThinDeviceID(snapshot.thinId)))
        CrashPoint.reach("resetDisk.afterMessage")
        // The commit point comes before the old device is deleted, so that
        // recovery can always finish the rollback instead of undoing a deletion.
        try native.commit(from: current.transactionId)
        CrashPoint.reach("resetDisk.afterCommit")
        try finishReset(intent, payload: payload, pool: pool)
    }

    /// After the commit point: retarget the disk, delete its old thin device,
    /// record the new one. Each step can be repeated (also run by recovery).
    func finishReset(_ intent: IntentRecord, payload: IntentPayload, pool: PoolRecord) throws {
        guard let thinId = payload.newThinId, let oldThinId = payload.oldThinId else {
            throw SnapshotsError(.internalError, "reset intent without thin ids")
        }
        let native = nativePool(pool)
        if try deviceMapper.info(KernelNames.volume(payload.id)) != nil {
            try native.retarget(payload.id, toThinId: thinId, sizeBytes: payload.sizeBytes)
        } else {
            try native.activateVolume(payload.id, thinId: thinId, sizeBytes: payload.sizeBytes)
        }
        CrashPoint.reach("resetDisk.afterRetarget")
        try native.deleteThin(oldThinId)
        CrashPoint.reach("resetDisk.afterDelete")
        try catalog.write { db in
            if var disk = try DiskRecord.fetchOne(db, key: payload.id) {
                disk.thinId = thinId
                try disk.update(db)
            }
            try markCommitted(db, intent: intent)
        }
    }
}
