import DeviceMapper
import Foundation
import GRDB

/// Which snapshots DescribeSnapshots returns.
public struct SnapshotFilter: Sendable {
    public var diskId: String?
    public var snapshotIds: [String]?
    public var name: String?
    public var groupId: String?
    /// true: only snapshots whose LV was removed outside dmsnap; false: only the others.
    public var missing: Bool?
    /// Only snapshots whose copy into a repository has this status (see
    /// `ECSSnapshot`); accomplished also leaves out missing ones.
    public var status: SnapshotCopyRecord.Status?
    public init(diskId: String? = nil, snapshotIds: [String]? = nil, name: String? = nil, groupId: String? = nil,
                missing: Bool? = nil) {
        self.diskId = diskId
        self.snapshotIds = snapshotIds
        self.name = name
        self.groupId = groupId
        self.missing = missing
    }
}

extension SnapshotService {
    /// Snapshots a disk: suspend it (freezing its filesystem), create_snap,
    /// resume, commit. The time between suspend and resume is the hold window.
    ///
    /// An LVM disk is snapshotted through `lvcreate -s` instead. Either way the
    /// snapshot is refused when its pool is fuller than `usageLimit`
    /// (default: `DMSNAP_POOL_USAGE_LIMIT`, else 95%).
    ///
    /// With a default repository set, the snapshot's copy into it starts in
    /// the background once the snapshot is taken (`startDefaultCopies`).
    /// `instantAccess` and `instantAccessRetentionDays` (ECS's) say how long
    /// the local thin device stays once copied (see `InstantAccessPolicy`).
    public func createSnapshot(diskId: String, name given: String?, description: String = "",
                               retentionDays: Int? = nil, usageLimit: PoolUsageLimit? = nil,
                               instantAccess: Bool? = nil, instantAccessRetentionDays: Int? = nil) throws -> SnapshotRecord {
        let keepDays = try InstantAccessPolicy.retentionDays(instantAccess: instantAccess, instantAccessRetentionDays: instantAccessRetentionDays)
        if keepDays != nil { try requireCopyTargetForInstantAccess(diskId: diskId) }
        let snapshot = try takeSnapshot(diskId: diskId, name: given, description: description,
                                        retentionDays: retentionDays, usageLimit: usageLimit, instantAccessRetentionDays: keepDays)
        startDefaultCopies(of: [snapshot.id])
        return snapshot
    }

    /// `createSnapshot` without the background copy; `id`, when given, is the
    /// new snapshot's ID (a received stream's snapshot keeps its sender's).
    func takeSnapshot(diskId: String, name given: String?, description: String,
                      retentionDays: Int?, usageLimit: PoolUsageLimit?, id wanted: String? = nil,
                      instantAccessRetentionDays: Int? = nil) throws -> SnapshotRecord {
        try Validation.requireID(diskId, kind: .disk)
        let usageLimit = try usageLimit ?? PoolUsageLimit.fromEnvironment()
        let name = try given.map { try Validation.name($0, what: "snapshot name", reservingAuto: true) }
        try Validation.requireDescription(description)
        if let retentionDays, !(1...65536).contains(retentionDays) {
            throw SnapshotsError(.invalidParameter, "RetentionDays must be between 1 and 65536, not \(retentionDays)")
        }
        return try mutating {
            let disk = try disk(diskId)
            if let wanted, try catalog.read({ db in try SnapshotRecord.exists(db, key: wanted) }) {
                throw SnapshotsError(.alreadyExists, "snapshot \(wanted) already exists on this host")
            }
            if disk.backend == .lvm {
                return try createLVMSnapshot(disk, name: name, description: description, retentionDays: retentionDays,
                                             usageLimit: usageLimit, instantAccessRetentionDays: instantAccessRetentionDays, id: wanted)
            }
            let pool = try pool(named: disk.poolName)
            let native = nativePool(pool)
            try native.requireWritable()
            if let usage = try native.status().details {
                try usageLimit.check(pool: pool.name, dataPercent: usage.data.percentUsed,
                                     metadataPercent: usage.metadata.percentUsed)
            }
            let id = wanted ?? newResourceID(.snapshot)
            var payload = IntentPayload(id: id, name: name ?? id, description: description, diskId: disk.id,
                                        sizeBytes: disk.sizeBytes, retentionDays: retentionDays)
            payload.oldThinId = disk.thinId
            payload.instantAccessRetentionDays = instantAccessRetentionDays
            try requireManifestRoom(pool, adding: ManifestSize.of(SnapshotRecord(largestOf: payload, pool: pool)))
            let (intent, current) = try beginIntent(.createSnapshot, pool: pool, payload: payload)
            payload = try JSONDecoder().decode(IntentPayload.self, from: intent.payload)
            guard let thinId = payload.newThinId else { throw SnapshotsError(.internalError, "intent without a thin id") }
            CrashPoint.reach("createSnapshot.afterIntent")

            let volume = KernelNames.volume(disk.id)
            let active = try deviceMapper.info(volume) != nil
            var held = Duration.zero
            if active {
                held = try snapshotWhileSuspended(disk, volume: volume, native: native, thinId: thinId)
            } else {
                try native.send(.createSnapshot(ThinDeviceID(thinId), origin: ThinDeviceID(disk.thinId)))
            }
            try native.commit(from: current.transactionId)
            CrashPoint.reach("createSnapshot.afterCommit")
            payload.holdWindowMicroseconds = held.microseconds
            return try finishSnapshotCreation(intent, payload: payload, pool: pool)
        }
    }

    /// Suspends the disk, sends create_snap, resumes it; returns the hold
    /// window. Ctrl-C or a `kill` waits for the resume; after a kill -9 the
    /// next dmsnap command's recovery resumes the disk.
    private func snapshotWhileSuspended(_ disk: DiskRecord, volume: String, native: NativePool, thinId: UInt32) throws -> Duration {
        try InterruptSignals.heldBack {
            let clock = ContinuousClock()
            let start = clock.now
            try deviceMapper.suspend(volume)
            let snapshotted = Result {
                CrashPoint.reach("createSnapshot.afterSuspend")
                try native.send(.createSnapshot(ThinDeviceID(thinId), origin: ThinDeviceID(disk.thinId)))
                CrashPoint.reach("createSnapshot.afterMessage")
            }
            // Whatever happened, the disk's I/O is released.
            let resumed = Result { try deviceMapper.resumeUnchanged(volume) }
            let held = clock.now - start
            try snapshotted.get()
            do { try resumed.get() } catch {
                throw SnapshotsError(.kernel, """
                    disk \(disk.id) (\(volume)) could not be resumed after its snapshot: \(error); \
                    run `dmsnap recover`, which resumes it
                    """)
            }
            return held
        }
    }

    /// After the commit point: record the snapshot (also run by recovery).
    func finishSnapshotCreation(_ intent: IntentRecord, payload: IntentPayload, pool: PoolRecord) throws -> SnapshotRecord {
        guard let thinId = payload.newThinId, let diskId = payload.diskId else {
            throw SnapshotsError(.internalError, "snapshot intent without a thin id or disk")
        }
        var snapshot = SnapshotRecord(id: payload.id, name: payload.name, description: payload.description, diskId: diskId,
                                      poolName: pool.name, thinId: thinId, sourceDiskSizeBytes: payload.sizeBytes,
                                      createdAt: intent.createdAt, modifiedAt: intent.createdAt,
                                      retentionDays: payload.retentionDays, groupId: payload.groupId,
                                      holdWindowMicroseconds: payload.holdWindowMicroseconds)
        snapshot.instantAccessRetentionDays = payload.instantAccessRetentionDays
        try catalog.write { [snapshot] db in
            try snapshot.insert(db)
            try markCommitted(db, intent: intent)
        }
        return snapshot
    }

    public func describeSnapshots(_ filter: SnapshotFilter = SnapshotFilter()) throws -> [SnapshotRecord] {
        try describeSnapshots(filter) { 0..<$0 }.snapshots
    }

    /// One page of the snapshots `filter` selects, newest first, and how many
    /// it selects in all: `page` turns that count into the indices wanted, and
    /// only those rows are read (a page of a 10,000-snapshot disk reads 100).
    public func describeSnapshots(_ filter: SnapshotFilter,
                                  page: @Sendable (_ totalCount: Int) throws -> Range<Int>) throws -> (totalCount: Int, snapshots: [SnapshotRecord]) {
        try readSnapshots(filter) { db, request in
            let totalCount = try request.fetchCount(db)
            let range = try page(totalCount)
            guard !range.isEmpty else { return (totalCount, []) }
            return (totalCount, try request.order(ListingCursor.ordering).limit(range.count, offset: range.lowerBound).fetchAll(db))
        }
    }

    /// Up to `limit` of the snapshots `filter` selects, newest first, listed
    /// after `cursor` (from the first without one), how many it selects in
    /// all, and whether more follow the last one returned.
    public func describeSnapshots(_ filter: SnapshotFilter, after cursor: ListingCursor?,
                                  limit: Int) throws -> (totalCount: Int, snapshots: [SnapshotRecord], more: Bool) {
        try readSnapshots(filter) { db, request in
            let totalCount = try request.fetchCount(db)
            let following = cursor.map { request.filter($0.rowsAfter) } ?? request
            // One row past the page says whether another page follows.
            let rows = try following.order(ListingCursor.ordering).limit(max(limit, 0) + 1).fetchAll(db)
            return (totalCount, Array(rows.prefix(limit)), rows.count > limit)
        }
    }

    /// Runs `body` on the request for the snapshots `filter` selects, after
    /// checking its IDs and bringing LVM's snapshots up to date when it may select them.
    private func readSnapshots<T: Sendable>(_ filter: SnapshotFilter,
                                            _ body: @Sendable (Database, QueryInterfaceRequest<SnapshotRecord>) throws -> T) throws -> T {
        if let diskId = filter.diskId { try Validation.requireID(diskId, kind: .disk) }
        for id in filter.snapshotIds ?? [] { try Validation.requireID(id, kind: .snapshot) }
        if try !answeredByNativeRecords(filter) { try discoverLVMIfEnabled() }
        return try catalog.read { db in
            var request = SnapshotRecord.all()
            if let diskId = filter.diskId { request = request.filter(Column("diskId") == diskId) }
            if let ids = filter.snapshotIds { request = request.filter(ids.contains(Column("id"))) }
            if let name = filter.name { request = request.filter(Column("name") == Names.normalized(name)) }
            if let groupId = filter.groupId { request = request.filter(Column("groupId") == groupId) }
            if let missing = filter.missing {
                request = request.filter(missing ? Column("missingSince") != nil : Column("missingSince") == nil)
            }
            switch filter.status {
            case .progressing?: request = request.filter(sql: "id IN (SELECT snapshotId FROM snapshotCopy WHERE status = 'progressing')")
            case .failed?:
                request = request.filter(sql: """
                    id IN (SELECT snapshotId FROM snapshotCopy WHERE status = 'failed')
                    AND id NOT IN (SELECT snapshotId FROM snapshotCopy WHERE status = 'progressing')
                    """)
            case .accomplished?:
                request = request.filter(Column("missingSince") == nil)
                    .filter(sql: "id NOT IN (SELECT snapshotId FROM snapshotCopy WHERE status != 'accomplished')")
            case nil: break
            }
            return try body(db, request)
        }
    }

    /// A filter on a native disk, or on native snapshots by ID, needs no LVM
    /// discovery: LVM cannot hold a snapshot of a disk in a dmsnap pool, and
    /// discovery (liblvm2cmd reading every VG) was most of such a query's time.
    private func answeredByNativeRecords(_ filter: SnapshotFilter) throws -> Bool {
        try catalog.read { db in
            if let diskId = filter.diskId {
                return try DiskRecord.fetchOne(db, key: diskId)?.backend == .native
            }
            if let ids = filter.snapshotIds, !ids.isEmpty {
                let native = try SnapshotRecord.filter(ids.contains(Column("id")) && Column("backend") == Backend.native.rawValue)
                    .fetchCount(db)
                return native == Set(ids).count
            }
            return false
        }
    }

    public func deleteSnapshot(_ id: String) throws {
        try Validation.requireID(id, kind: .snapshot)
        try mutating {
            let snapshot = try snapshot(id)
            let copies = try requireCopiesDeletable(of: id)
            try deleteSnapshotLocked(snapshot)
            try deleteCopies(of: id, in: copies)
        }
    }

    /// Deletes a snapshot under the lock, through its deletion intent (also
    /// run by recovery, for the members of a group it settles as failed).
    func deleteSnapshotLocked(_ snapshot: SnapshotRecord) throws {
        if snapshot.isReleased {
            // Nothing local is left: only the record (and, in a native pool, its line in the pool's manifest).
            return try catalog.write { db in
                _ = try SnapshotRecord.deleteOne(db, key: snapshot.id)
                if snapshot.backend == .native { try self.writeManifest(db, poolName: snapshot.poolName) }
            }
        }
        if snapshot.backend == .lvm { return try deleteLVMSnapshot(snapshot) }
        let id = snapshot.id
        let pool = try pool(named: snapshot.poolName)
        let native = nativePool(pool)
        if let info = try deviceMapper.info(KernelNames.volume(snapshot.id)), info.openCount > 0, try isStillOpen(info.number) {
            throw SnapshotsError(.incorrectSnapshotStatus, "snapshot \(id) is exposed and open; close it and run `dmsnap snapshot hide \(id)`")
        }
        var payload = IntentPayload(id: snapshot.id)
        payload.oldThinId = snapshot.thinId
        let (intent, current) = try beginIntent(.deleteSnapshot, pool: pool, payload: payload)
        try native.deactivateVolume(snapshot.id)
        try native.deleteThin(snapshot.thinId)
        CrashPoint.reach("deleteSnapshot.afterMessage")
        try native.commit(from: current.transactionId)
        try finish(intent)
    }

    public func modifySnapshot(_ id: String, name given: String?, description: String?) throws -> SnapshotRecord {
        try Validation.requireID(id, kind: .snapshot)
        let name = try given.map { try Validation.name($0, what: "snapshot name", reservingAuto: true) }
        if let description { try Validation.requireDescription(description) }
        return try mutating {
            var snapshot = try snapshot(id)
            let before = ManifestSize.of(snapshot)
            if let name { snapshot.name = name }
            if let description { snapshot.description = description }
            snapshot.modifiedAt = Date()
            if snapshot.backend == .native {
                try requireManifestRoom(try pool(named: snapshot.poolName), adding: ManifestSize.of(snapshot) - before)
            }
            try catalog.write { [snapshot] db in
                try snapshot.update(db)
                try self.writeManifest(db, poolName: snapshot.poolName)
            }
            return snapshot
        }
    }

    /// Activates the snapshot read-only at /dev/mapper/dmsnap-s-…, to copy a file out.
    public func exposeSnapshot(_ id: String) throws -> String {
        try Validation.requireID(id, kind: .snapshot)
        return try mutating {
            let snapshot = try snapshot(id)
            try requireLocalDevice(snapshot)
            if snapshot.backend == .lvm { return try exposeLVMSnapshot(snapshot) }
            let pool = try pool(named: snapshot.poolName)
            try nativePool(pool).activateVolume(snapshot.id, thinId: snapshot.thinId,
                                                sizeBytes: snapshot.sourceDiskSizeBytes, readOnly: true)
            return "/dev/mapper/\(KernelNames.volume(snapshot.id))"
        }
    }

    public func hideSnapshot(_ id: String) throws {
        try Validation.requireID(id, kind: .snapshot)
        try mutating {
            let snapshot = try snapshot(id)
            try requireLocalDevice(snapshot)
            if snapshot.backend == .lvm { return try hideLVMSnapshot(snapshot) }
            if let info = try deviceMapper.info(KernelNames.volume(snapshot.id)), info.openCount > 0, try isStillOpen(info.number) {
                throw SnapshotsError(.incorrectSnapshotStatus, "snapshot \(id) is still open (mounted?); unmount it first")
            }
            try nativePool(try pool(named: snapshot.poolName)).deactivateVolume(snapshot.id)
        }
    }
}

extension Duration {
    var microseconds: Int64 {
        components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000
    }
}
