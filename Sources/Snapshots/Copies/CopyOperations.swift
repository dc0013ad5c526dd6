import Foundation
import GRDB
import Repository

/// How far a copy or a restore has come, as the progress bar and
/// DescribeSnapshots' Progress and RemainTime show it.
public struct CopyProgress: Sendable {
    public var bytesDone: UInt64
    public var bytesTotal: UInt64
    public var bytesPerSecond: Double
    /// Seconds left at the measured rate; nil until there is one.
    public var remainSeconds: Int?

    init(_ step: TransferProgress) {
        bytesDone = step.bytesDone
        bytesTotal = step.bytesTotal
        bytesPerSecond = step.bytesPerSecond ?? 0
        remainSeconds = step.remainingSeconds.map { Int($0.rounded(.up)) }
    }
}

extension SnapshotService {
    /// Copies snapshot `id` into a repository (the default one when `repositoryName`
    /// is nil): in full the first time, then only what changed since the disk's
    /// last snapshot copied there that is still in its pool. The thin snapshot
    /// stays usable throughout; the copy's record says how far it has come.
    /// A snapshot already copied there is not copied again.
    @discardableResult
    public func copySnapshot(_ id: String, to repositoryName: String?,
                             progress: (CopyProgress) -> Void = { _ in }) throws -> SnapshotCopyRecord {
        let snapshot = try snapshot(id)
        let target = try copyTarget(named: repositoryName, for: snapshot)
        let repository = try openRepository(target)
        guard let lease = try WorkLease(path: try CopyWorker.leasePath(stateDirectory, snapshotId: id)) else {
            throw SnapshotsError(.incorrectSnapshotStatus, "snapshot \(id) is being copied by another dmsnap process; DescribeSnapshots shows how far")
        }
        defer { withExtendedLifetime(lease) {} }
        let previous = try copyRecord(of: id, in: target)
        if try Self.storedManifest(id, in: repository) != nil {
            // The manifest is the commit point: a copy killed after writing it is done.
            var done = previous ?? SnapshotCopyRecord(snapshotId: id, repositoryId: target.repositoryId, status: .progressing,
                                                      baseSnapshotId: nil, bytesDone: 0, bytesTotal: 0, remainSeconds: nil,
                                                      reason: nil, startedAt: Date(), finishedAt: nil)
            if done.status != .accomplished {
                done.status = .accomplished
                done.reason = nil
                done.bytesDone = done.bytesTotal
                done.remainSeconds = 0
                done.finishedAt = Date()
                try save(done)
            }
            return done
        }
        try requireLocalDevice(snapshot)
        let base = try copyBase(for: snapshot, in: target, repository: repository)
        var record = SnapshotCopyRecord(snapshotId: id, repositoryId: target.repositoryId, status: .progressing,
                                        baseSnapshotId: base?.snapshot.id, bytesDone: 0, bytesTotal: 0,
                                        remainSeconds: nil, reason: nil, startedAt: Date(), finishedAt: nil)
        // A copy started again after a crash keeps what the first start saw: the
        // device it exposed itself is hidden at the end, the user's is left up.
        record.keepsDeviceUp = previous?.status == .progressing ? previous?.keepsDeviceUp ?? false : try isExposed(snapshot)
        try save(record)
        do {
            let plan = try blockMap(of: id, base: base?.snapshot.id)
            record.bytesTotal = plan.totalBytes
            try save(record)
            let device = try exposeSnapshot(id)
            defer { if !record.keepsDeviceUp { try? hideSnapshot(id) } }
            var lastSaved = Date()
            let identity = SnapshotIdentity(snapshotId: id, diskId: snapshot.diskId, diskName: (try? disk(snapshot.diskId).name) ?? "")
            CrashPoint.reach("copy.beforeData")
            let report = try Self.waitingForTheWriterLock(onWait: { holder in
                record.reason = "waiting for the repository's writer lock, held by \(holder)"
                try? save(record)
            }) {
                try SnapshotCopier(repository: repository).copy(
                    source: device, size: snapshot.sourceDiskSizeBytes, snapshot: identity,
                    ranges: plan.ranges.map { $0.offset..<($0.offset + $0.length) }, base: base?.manifest) { step in
                    let shown = CopyProgress(step)
                    record.bytesDone = shown.bytesDone
                    record.bytesTotal = shown.bytesTotal
                    record.remainSeconds = shown.remainSeconds
                    // Once a second is plenty for DescribeSnapshots and costs the copy nothing.
                    if Date().timeIntervalSince(lastSaved) >= 1 {
                        try? save(record)
                        lastSaved = Date()
                    }
                    progress(shown)
                }
            }
            record.bytesTotal = report.bytesRead
            record.status = .accomplished
            record.reason = nil
            record.bytesDone = record.bytesTotal
            record.remainSeconds = 0
            record.finishedAt = Date()
            try save(record)
            return record
        } catch {
            record.status = .failed
            record.reason = Self.describe(error)
            record.remainSeconds = nil
            record.finishedAt = Date()
            try? save(record)
            throw SnapshotsError(.copyFailed, "the copy of snapshot \(id) into repository \(target.name) failed: \(record.reason ?? "")")
        }
    }

    /// The latest copy of each of `snapshotIds`, into whichever repository.
    /// A copy `progressing` whose worker died (kill -9, a crash) is started
    /// again here, as `recover` would, so that `progressing` stays true; see
    /// `resumingInterruptedCopies`.
    public func copies(of snapshotIds: [String]) throws -> [String: SnapshotCopyRecord] {
        let rows = try catalog.read { db in
            try SnapshotCopyRecord.filter(snapshotIds.contains(Column("snapshotId"))).order(Column("startedAt")).fetchAll(db)
        }
        let latest = Dictionary(rows.map { ($0.snapshotId, $0) }, uniquingKeysWith: { _, newer in newer })
        return try resumingInterruptedCopies(among: latest)
    }

    func copyRecord(of snapshotId: String, in target: RepositoryRecord) throws -> SnapshotCopyRecord? {
        try catalog.read { db in try SnapshotCopyRecord.fetchOne(db, key: ["snapshotId": snapshotId, "repositoryId": target.repositoryId]) }
    }

    private func save(_ record: SnapshotCopyRecord) throws {
        try catalog.write { db in try record.save(db) }
    }

    /// The disk's newest snapshot before this one that was copied whole into the
    /// same repository and is still in its pool (thin_delta reads both thin
    /// devices: a released one cannot be a base): the copy need read only what
    /// changed since.
    private func copyBase(for snapshot: SnapshotRecord, in target: RepositoryRecord,
                          repository: DirectoryRepository) throws -> (snapshot: SnapshotRecord, manifest: Manifest)? {
        let candidates = try catalog.read { db in
            try SnapshotRecord.fetchAll(db, sql: """
                SELECT snapshot.* FROM snapshot JOIN snapshotCopy ON snapshotCopy.snapshotId = snapshot.id
                WHERE snapshot.diskId = ? AND snapshot.poolName = ? AND snapshot.backend = ? AND snapshot.id != ?
                  AND snapshot.createdAt <= ? AND snapshot.missingSince IS NULL AND snapshot.releasedAt IS NULL
                  AND snapshotCopy.repositoryId = ? AND snapshotCopy.status = 'accomplished'
                ORDER BY snapshot.createdAt DESC LIMIT 4
                """, arguments: [snapshot.diskId, snapshot.poolName, snapshot.backend.rawValue, snapshot.id,
                                 snapshot.createdAt, target.repositoryId])
        }
        for candidate in candidates {
            if let manifest = try Self.storedManifest(candidate.id, in: repository), manifest.volumeSize == snapshot.sourceDiskSizeBytes {
                return (candidate, manifest)
            }
        }
        return nil
    }

    /// Runs `copy`, waiting while another copy (of this host or another)
    /// holds the repository's writer lock: copies into one repository take
    /// turns. `onWait` is told whom it waits for.
    private static func waitingForTheWriterLock(onWait: (String) -> Void, _ copy: () throws -> CopyReport) throws -> CopyReport {
        let patience = Date().addingTimeInterval(writerLockPatience)
        var told = false
        while true {
            do {
                return try copy()
            } catch let error as RepositoryError {
                guard case .locked(let holder) = error.kind, Date() < patience else { throw error }
                if !told { onWait(holder) }
                told = true
                usleep(500_000)
            }
        }
    }

    /// How long a copy waits for the repository's writer lock: a group's copies
    /// queue behind each other, so the wait is as long as a large copy.
    static let writerLockPatience: TimeInterval = 6 * 3600

    /// Whether the snapshot's device is up already (exposed by its user): the
    /// copy then leaves it up when it ends.
    func isExposed(_ snapshot: SnapshotRecord) throws -> Bool {
        if snapshot.backend == .lvm {
            // An active LV has its /dev/VG/LV link.
            guard let group = snapshot.volumeGroup, let volume = snapshot.logicalVolume else { return false }
            return FileManager.default.fileExists(atPath: "/dev/\(group)/\(volume)")
        }
        return try deviceMapper.info(KernelNames.volume(snapshot.id)) != nil
    }
}
