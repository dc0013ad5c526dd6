import DeviceMapper
import Foundation
import GRDB
import Repository

extension SnapshotService {
    /// ResetDisk to a released snapshot needs its copy, of the disk's size,
    /// in a repository that can be read: checked before anything changes.
    func requireRestorableCopy(of snapshot: SnapshotRecord, onto disk: DiskRecord) throws {
        let (record, _, manifest) = try findCopy(of: snapshot.id, in: nil)
        guard manifest.volumeSize == disk.sizeBytes else {
            throw SnapshotsError(.invalidParameter, """
                snapshot \(snapshot.id)'s copy in repository \(record.name) is \(Self.shownSize(manifest.volumeSize)), \
                but disk \(disk.id) is \(Self.shownSize(disk.sizeBytes)) now; make a new disk of it with CreateDisk --SnapshotId \(snapshot.id)
                """)
        }
    }

    /// Rolls a native disk back to a released snapshot: its copy is restored
    /// (only non-zero chunks, each checked against its hash) into a new thin
    /// device of the disk's pool, under a scratch name no one uses, and only
    /// then does that device take the disk's place, as a rollback's new thin
    /// device does (`finishReset`). The pool's transaction id commits it, so
    /// a failure, a damaged chunk or kill -9 before then leaves the disk as it
    /// was: the scratch device is deleted here, or by the next command's
    /// recovery (`rollBack`). The operation lock is held throughout, as for
    /// every rollback: other dmsnap commands wait for it.
    func resetNativeDiskFromRepository(_ disk: DiskRecord, to snapshot: SnapshotRecord,
                                       progress: (CopyProgress) -> Void) throws {
        let (record, repository, manifest) = try findCopy(of: snapshot.id, in: nil)
        let pool = try pool(named: disk.poolName)
        let native = nativePool(pool)
        var payload = IntentPayload(id: disk.id, diskId: disk.id, snapshotId: snapshot.id, sizeBytes: disk.sizeBytes)
        payload.oldThinId = disk.thinId
        let (intent, current) = try beginIntent(.resetFromRepository, pool: pool, payload: payload)
        payload = try JSONDecoder().decode(IntentPayload.self, from: intent.payload)
        guard let thinId = payload.newThinId else { throw SnapshotsError(.internalError, "intent without a thin id") }
        let scratch = KernelNames.resetScratch(disk.id)
        do {
            try native.send(.createThin(ThinDeviceID(thinId)))
            try native.activateThin(scratch, uuid: KernelNames.resetScratchUUID(disk.id), thinId: thinId, sizeBytes: disk.sizeBytes)
            CrashPoint.reach("resetFromRepository.afterScratch")
            _ = try SnapshotRestorer(repository: repository).restore(snapshotId: manifest.snapshotId, to: "/dev/mapper/\(scratch)") {
                progress(CopyProgress($0))
                CrashPoint.reach("resetFromRepository.duringRestore")
            }
            try native.deactivateScratch(ofDisk: disk.id)
        } catch {
            // Before the commit point: the scratch device goes, the disk was never touched.
            // When this cleanup fails too, the intent stays and recovery finishes it.
            do {
                try native.deactivateScratch(ofDisk: disk.id)
                try native.deleteThin(thinId)
                try catalog.write { db in
                    try intent.delete(db)
                    try self.writeManifest(db, poolName: pool.name)
                }
            } catch {}
            throw SnapshotsError(.copyFailed, """
                rolling disk \(disk.id) (\(disk.name)) back to snapshot \(snapshot.id) from repository \(record.name) failed, \
                and the disk was left as it was: \(Self.describe(error))
                """)
        }
        try native.commit(from: current.transactionId)
        CrashPoint.reach("resetFromRepository.afterCommit")
        try finishReset(intent, payload: payload, pool: pool)
    }
}
