import Foundation
import GRDB

/// What a sweep of snapshots whose local device was due to go did.
public struct ReleaseSweep: Sendable {
    public var released: [String] = []
    /// Due, but not released this time (a copy not yet accomplished, the
    /// snapshot exposed, …), each with why; the next sweep tries again.
    public var deferred: [String] = []
}

extension SnapshotService {
    /// Deletes the local thin devices (native pools: through an intent, as
    /// DeleteSnapshot does) or LVs (LVM: lvremove) of snapshots whose copy
    /// into a repository is accomplished, giving their pool the space back.
    /// Each record stays, listed with `InstantAccess` false; its data is then
    /// read from the repository (CreateDisk --SnapshotId, ResetDisk). Every
    /// snapshot is checked before the first is released, so a refusal changes nothing.
    @discardableResult
    public func releaseSnapshots(_ ids: [String]) throws -> [SnapshotRecord] {
        for id in ids { try Validation.requireID(id, kind: .snapshot) }
        return try mutating {
            let snapshots = try ids.map { try snapshot($0) }
            for snapshot in snapshots { try requireReleasable(snapshot) }
            return try snapshots.map { try releaseLocked($0) }
        }
    }

    /// Releases every snapshot whose local device is due to go (ECS
    /// InstantAccess false once copied; InstantAccessRetentionDays passed).
    /// Run by the copy worker after each copy, by `activate` and `recover`, and
    /// by `snapshot release --expired`.
    public func releaseDueSnapshots(now: Date = Date()) throws -> ReleaseSweep {
        let candidates = try catalog.read { db in
            try SnapshotRecord.filter(Column("releasedAt") == nil && Column("instantAccessRetentionDays") != nil)
                .order(Column("createdAt")).fetchAll(db)
        }
        let due = candidates.filter { Self.localDeviceDue($0) <= now }
        guard !due.isEmpty else { return ReleaseSweep() }
        return try mutating {
            var sweep = ReleaseSweep()
            for candidate in due {
                do {
                    // Read again under the lock: another command may have changed it.
                    let snapshot = try snapshot(candidate.id)
                    guard !snapshot.isReleased else { continue }
                    try requireReleasable(snapshot)
                    _ = try releaseLocked(snapshot)
                    sweep.released.append(snapshot.id)
                } catch {
                    sweep.deferred.append("\(candidate.id): \(Self.describe(error))")
                }
            }
            return sweep
        }
    }

    /// When a snapshot's local device is due to go, by its InstantAccessRetentionDays.
    static func localDeviceDue(_ snapshot: SnapshotRecord) -> Date {
        snapshot.createdAt.addingTimeInterval(Double(snapshot.instantAccessRetentionDays ?? 0) * 86_400)
    }

    /// Refuses an operation that reads or uses a snapshot's local device when it has none.
    func requireLocalDevice(_ snapshot: SnapshotRecord) throws {
        guard let releasedAt = snapshot.releasedAt else { return }
        throw SnapshotsError(.incorrectSnapshotStatus, """
            snapshot \(snapshot.id) (\(snapshot.name)) has no local device: it was released at \
            \(CatalogDate.text(releasedAt)) and its data is only in a repository; make a disk of it with \
            CreateDisk --SnapshotId \(snapshot.id), or roll its disk back with ResetDisk
            """)
    }

    /// The checks of `releaseSnapshots`, before anything changes.
    private func requireReleasable(_ snapshot: SnapshotRecord) throws {
        let named = "snapshot \(snapshot.id) (\(snapshot.name))"
        if snapshot.isReleased { throw SnapshotsError(.incorrectSnapshotStatus, "\(named) was released already") }
        if snapshot.missingSince != nil {
            throw SnapshotsError(.incorrectSnapshotStatus, "\(named) is missing: its LV was removed outside dmsnap, there is nothing to release")
        }
        if try WorkLease.isHeld(try CopyWorker.leasePath(stateDirectory, snapshotId: snapshot.id)) {
            throw SnapshotsError(.incorrectSnapshotStatus, "\(named) is being copied into a repository; release it once the copy is accomplished")
        }
        try requireAccomplishedCopy(of: snapshot)
        try requireNotABaseOfARunningCopy(snapshot)
        if try isExposed(snapshot) {
            throw SnapshotsError(.incorrectSnapshotStatus, "\(named) is exposed; unmount and close it, then run `dmsnap snapshot hide \(snapshot.id)`")
        }
    }

    /// A copy recorded as accomplished whose manifest its repository still
    /// holds: the data must be readable somewhere before its device goes.
    private func requireAccomplishedCopy(of snapshot: SnapshotRecord) throws {
        let copies = try catalog.read { db in
            try SnapshotCopyRecord.filter(Column("snapshotId") == snapshot.id && Column("status") == SnapshotCopyRecord.Status.accomplished.rawValue)
                .fetchAll(db)
        }
        var problems: [String] = []
        for copy in copies {
            guard let target = try catalog.read({ db in try RepositoryRecord.filter(Column("repositoryId") == copy.repositoryId).fetchOne(db) }) else {
                continue
            }
            do {
                if try Self.storedManifest(snapshot.id, in: try openRepository(target)) != nil { return }
                problems.append("repository \(target.name) no longer holds its manifest")
            } catch {
                problems.append(Self.describe(error))
            }
        }
        throw SnapshotsError(.incorrectSnapshotStatus, """
            snapshot \(snapshot.id) (\(snapshot.name)) has no accomplished copy in a repository\
            \(problems.isEmpty ? "" : " that can be read (\(problems.joined(separator: "; ")))"); its local device is its only data. \
            Copy it first: dmsnap snapshot copy \(snapshot.id) --wait
            """)
    }

    /// A running incremental copy reads the changes since its base with
    /// thin_delta, which needs the base's thin device.
    private func requireNotABaseOfARunningCopy(_ snapshot: SnapshotRecord) throws {
        let dependents = try catalog.read { db in
            try SnapshotCopyRecord.filter(Column("baseSnapshotId") == snapshot.id && Column("status") == SnapshotCopyRecord.Status.progressing.rawValue)
                .fetchAll(db)
        }
        for copy in dependents where try WorkLease.isHeld(try CopyWorker.leasePath(stateDirectory, snapshotId: copy.snapshotId)) {
            throw SnapshotsError(.incorrectSnapshotStatus, """
                snapshot \(snapshot.id) (\(snapshot.name)) is the base of the running copy of snapshot \(copy.snapshotId), \
                which reads its thin device; release it once that copy is accomplished
                """)
        }
    }

    /// Deletes the snapshot's local device and marks its record released, checks done.
    private func releaseLocked(_ snapshot: SnapshotRecord) throws -> SnapshotRecord {
        if snapshot.backend == .lvm {
            try releaseLVMSnapshot(snapshot)
        } else {
            let pool = try pool(named: snapshot.poolName)
            let native = nativePool(pool)
            try native.requireWritable()
            var payload = IntentPayload(id: snapshot.id)
            payload.oldThinId = snapshot.thinId
            let (intent, current) = try beginIntent(.releaseSnapshot, pool: pool, payload: payload)
            try native.deactivateVolume(snapshot.id)
            try native.deleteThin(snapshot.thinId)
            CrashPoint.reach("releaseSnapshot.afterMessage")
            try native.commit(from: current.transactionId)
            try finish(intent)
        }
        return try self.snapshot(snapshot.id)
    }

    private func releaseLVMSnapshot(_ snapshot: SnapshotRecord) throws {
        try withLVM { session in
            let volume = try liveVolume(of: snapshot, in: try discoverLVM(session))
            if try isStillOpen(volume) {
                throw SnapshotsError(.incorrectSnapshotStatus, "snapshot \(snapshot.id) (\(volume.qualifiedName)) is open; close it first")
            }
            let intent = try beginLVMIntent(.lvmReleaseSnapshot, volume: volume, payload: IntentPayload(id: snapshot.id))
            try lvm { try session.removeLogicalVolume(try Self.qualified(volume)) }
            CrashPoint.reach("lvmReleaseSnapshot.afterRemove")
            try finish(intent)
        }
    }
}
