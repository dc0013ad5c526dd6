import Foundation
import GRDB

extension SnapshotService {
    /// Starts copying snapshot `id` in a worker process (see `CopyWorker`) and
    /// returns at once with the copy's record, `progressing`. A copy of it
    /// already running is left to finish; one already accomplished is returned as it is.
    @discardableResult
    public func startCopy(_ id: String, to repositoryName: String?) throws -> SnapshotCopyRecord {
        let snapshot = try snapshot(id)
        let target = try copyTarget(named: repositoryName, for: snapshot)
        _ = try openRepository(target)
        if let existing = try copyRecord(of: id, in: target), existing.status == .accomplished { return existing }
        try requireLocalDevice(snapshot)
        var starting = SnapshotCopyRecord(snapshotId: snapshot.id, repositoryId: target.repositoryId, status: .progressing,
                                          baseSnapshotId: nil, bytesDone: 0, bytesTotal: 0, remainSeconds: nil, reason: nil,
                                          startedAt: Date(), finishedAt: nil)
        starting.keepsDeviceUp = try isExposed(snapshot)
        let record = starting
        if try WorkLease.isHeld(try CopyWorker.leasePath(stateDirectory, snapshotId: id)) {
            return try copyRecord(of: id, in: target) ?? record
        }
        try catalog.write { db in try record.save(db) }
        _ = try CopyWorker.start(snapshotId: id, repositoryName: target.name, stateDirectory: stateDirectory,
                                 executable: guardianExecutable)
        return record
    }

    /// Starts the copies of new snapshots into their pool's copy target, or
    /// the default repository, if there is one: every front end calls it
    /// after CreateSnapshot and group snapshots. A copy that cannot start
    /// leaves the snapshot usable, its copy `failed` with the reason.
    public func startDefaultCopies(of snapshotIds: [String]) {
        for id in snapshotIds {
            guard let snapshot = try? catalog.read({ db in try SnapshotRecord.fetchOne(db, key: id) }),
                  let target = try? copyTarget(forPool: snapshot.poolName) else { continue }
            do {
                try startCopy(id, to: target.name)
            } catch {
                let failed = SnapshotCopyRecord(snapshotId: id, repositoryId: target.repositoryId, status: .failed, baseSnapshotId: nil,
                                                bytesDone: 0, bytesTotal: 0, remainSeconds: nil, reason: Self.describe(error),
                                                startedAt: Date(), finishedAt: Date())
                try? catalog.write { db in try failed.save(db) }
            }
        }
    }

    /// Starts again every copy still `progressing` whose worker is gone (a crash,
    /// kill -9, a reboot): `recover` and `activate` call it. Returns the snapshots.
    public func resumeInterruptedCopies() throws -> [String] {
        let progressing = try catalog.read { db in
            try SnapshotCopyRecord.filter(Column("status") == SnapshotCopyRecord.Status.progressing.rawValue).fetchAll(db)
        }
        var resumed: [String] = []
        for copy in progressing {
            guard try !WorkLease.isHeld(try CopyWorker.leasePath(stateDirectory, snapshotId: copy.snapshotId)) else { continue }
            let (target, snapshot) = try catalog.read { db in
                (try RepositoryRecord.filter(Column("repositoryId") == copy.repositoryId).fetchOne(db),
                 try SnapshotRecord.fetchOne(db, key: copy.snapshotId))
            }
            guard let target, snapshot != nil else {
                var failed = copy
                failed.status = .failed
                failed.reason = target == nil ? "the repository was removed from this host" : "the snapshot was deleted before its copy finished"
                failed.finishedAt = Date()
                let settled = failed
                try catalog.write { db in try settled.save(db) }
                continue
            }
            _ = try CopyWorker.start(snapshotId: copy.snapshotId, repositoryName: target.name, stateDirectory: stateDirectory,
                                     executable: guardianExecutable)
            resumed.append(copy.snapshotId)
        }
        return resumed
    }

    /// `copies` as a listing shows them: a copy the catalog says is
    /// `progressing` but whose worker holds no lease was interrupted, and an
    /// administrator reading `progressing` expects it to be going on; it is
    /// started again (as `recover` does) and shown as it is then. Only the
    /// rows still `progressing` cost a lease check (an open and a flock);
    /// a copy that cannot start again shows `failed` with the reason.
    func resumingInterruptedCopies(among copies: [String: SnapshotCopyRecord]) throws -> [String: SnapshotCopyRecord] {
        let interrupted = try copies.values.filter { copy in
            try copy.status == .progressing && !WorkLease.isHeld(try CopyWorker.leasePath(stateDirectory, snapshotId: copy.snapshotId))
        }
        guard !interrupted.isEmpty else { return copies }
        _ = try resumeInterruptedCopies()
        var shown = copies
        for copy in interrupted {
            let now = try catalog.read { db in
                try SnapshotCopyRecord.fetchOne(db, key: ["snapshotId": copy.snapshotId, "repositoryId": copy.repositoryId])
            }
            shown[copy.snapshotId] = now ?? copy
        }
        return shown
    }
}
