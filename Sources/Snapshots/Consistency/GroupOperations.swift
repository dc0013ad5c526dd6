import DeviceMapper
import Foundation
import GRDB

/// What CreateSnapshotGroup did, or would do (`dryRun`).
public struct SnapshotGroupResult: Sendable {
    public let plan: FreezePlan
    /// Nil for a dry run.
    public let group: SnapshotGroupRecord?
    public let snapshots: [SnapshotRecord]
    /// For a dry run: why the hold would lock dmsnap's memory (`MemoryLock`); nil when it would not.
    public var memoryLockReason: String? = nil
}

extension SnapshotService {
    public static let defaultFreezeTimeout: Duration = .seconds(10)

    /// Snapshots several native disks at one instant: every filesystem above
    /// them is frozen and every disk suspended (the freeze plan), then each
    /// gets its create_snap, then all is released in reverse. A guardian
    /// process releases everything if dmsnap dies or `freezeTimeout` passes
    /// first; the group then fails and keeps no snapshot.
    ///
    /// With a default repository set, the members' copies into it start in
    /// the background once the group is taken (`startDefaultCopies`).
    ///
    /// - Parameters:
    ///   - diskIds: the disks; empty means every disk of this host except `excluding`.
    public func createSnapshotGroup(diskIds: [String], excluding: [String] = [], name given: String?, description: String = "",
                                    freezeTimeout: Duration = defaultFreezeTimeout, dryRun: Bool = false) throws -> SnapshotGroupResult {
        let result = try takeSnapshotGroup(diskIds: diskIds, excluding: excluding, name: given, description: description,
                                           freezeTimeout: freezeTimeout, dryRun: dryRun)
        if result.group?.status == .accomplished { startDefaultCopies(of: result.snapshots.map(\.id)) }
        return result
    }

    private func takeSnapshotGroup(diskIds: [String], excluding: [String], name given: String?, description: String,
                                   freezeTimeout: Duration, dryRun: Bool) throws -> SnapshotGroupResult {
        let name = try given.map { try Validation.name($0, what: "snapshot group name", reservingAuto: true) }
        try Validation.requireDescription(description)
        if !diskIds.isEmpty && !excluding.isEmpty {
            throw SnapshotsError(.invalidParameter, "give the disks (DiskId.N) or the disks to leave out (ExcludeDiskId.N), not both")
        }
        for id in diskIds + excluding { try Validation.requireID(id, kind: .disk) }
        guard freezeTimeout >= .milliseconds(100), freezeTimeout <= .seconds(600) else {
            throw SnapshotsError(.invalidParameter, "the freeze timeout must be between 0.1 and 600 seconds")
        }
        return try mutating {
            let disks = try groupDisks(diskIds, excluding: excluding)
            if disks.first?.backend == .lvm {
                return try createLVMGroup(disks, name: name, description: description, freezeTimeout: freezeTimeout, dryRun: dryRun)
            }
            let (plan, active) = try freezePlan(for: disks.map { ($0, try deviceMapper.info(KernelNames.volume($0.id))?.number) })
            if dryRun { return SnapshotGroupResult(plan: plan, group: nil, snapshots: [], memoryLockReason: memoryLockReason(for: plan)) }
            return try takeGroup(disks, active: active, plan: plan, name: name, description: description, freezeTimeout: freezeTimeout)
        }
    }

    private func groupDisks(_ diskIds: [String], excluding: [String]) throws -> [DiskRecord] {
        var seen = Set<String>()
        let disks: [DiskRecord]
        if diskIds.isEmpty {
            for id in excluding { _ = try disk(id) }
            disks = try catalog.read { db in try DiskRecord.order(Column("createdAt"), Column("id")).fetchAll(db) }
                .filter { !excluding.contains($0.id) && $0.backend == .native && $0.missingSince == nil }
        } else {
            disks = try diskIds.filter { seen.insert($0).inserted }.map { try disk($0) }
        }
        guard !disks.isEmpty else { throw SnapshotsError(.invalidParameter, "the group has no disk") }
        if Set(disks.map(\.backend)).count > 1 {
            throw SnapshotsError(.unsupportedDisk, """
                a group takes native disks or LVM volumes, not both: \
                \(disks.filter { $0.backend == .lvm }.map { $0.lvm?.qualifiedName ?? $0.id }.joined(separator: ", ")) \
                are LVM volumes
                """)
        }
        return disks
    }

    /// The plan over the disks that are active (have a device number); an
    /// inactive disk has no I/O to hold.
    func freezePlan(for disks: [(DiskRecord, DeviceNumber?)], suspendDisks: Bool = true) throws -> (FreezePlan, [DiskRecord]) {
        let graph = try HolderGraph.read()
        var devices: [HolderGraph.Device] = []
        var active: [DiskRecord] = []
        for case let (disk, number?) in disks {
            guard let device = graph.device(number) else {
                throw SnapshotsError(.internalError, "disk \(disk.id) (\(number)) is not in /sys/class/block")
            }
            devices.append(device)
            active.append(disk)
        }
        var dmNames: [String: String] = [:]
        for device in graph.devices.values where device.isDeviceMapper {
            dmNames[device.name] = (try? String(contentsOfFile: "/sys/class/block/\(device.name)/dm/name", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let mounts = MountTable.current().entries.reduce(into: [DeviceNumber: String]()) { $0[$1.device] = $0[$1.device] ?? $1.mountPoint }
        return (try FreezePlan.plan(disks: devices, graph: graph, mounts: mounts, dmNames: dmNames, suspendDisks: suspendDisks), active)
    }

    /// Records a new group as progressing, before anything is held.
    func beginGroup(_ disks: [DiskRecord], name: String?, description: String) throws -> SnapshotGroupRecord {
        let groupId = newResourceID(.snapshotGroup)
        let group = SnapshotGroupRecord(id: groupId, name: name ?? groupId, description: description, createdAt: Date(),
                                        status: .progressing, holdWindowMicroseconds: 0, diskIds: disks.map(\.id))
        try catalog.write { db in try group.insert(db) }
        return group
    }

    func endGroup(_ group: SnapshotGroupRecord, status: SnapshotGroupRecord.Status, window: HoldWindow) throws -> SnapshotGroupRecord {
        var ended = group
        ended.status = status
        ended.holdWindowMicroseconds = window.microseconds
        try catalog.write { [ended] db in
            try ended.update(db)
            try self.writeManifests(db, ofGroup: ended.id)
        }
        return ended
    }

    /// The error for a group whose hold did not end cleanly.
    func groupFailure(_ group: SnapshotGroupRecord, _ window: HoldWindow, timeout: Duration) -> SnapshotsError {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        return SnapshotsError(.kernel, window.outcome == .deadlinePassed
            ? "group \(group.id) failed: the freeze deadline of \(seconds) s passed before every snapshot was taken (a hold or a snapshot was slow: a busy or slow device, or a flush that waits); every hold was released and no snapshot was kept; retry, or give more time with --FreezeTimeout"
            : "group \(group.id) failed: \(window.failure ?? "the guardian failed"); no snapshot was kept")
    }

    private func takeGroup(_ disks: [DiskRecord], active: [DiskRecord], plan: FreezePlan, name: String?, description: String,
                           freezeTimeout: Duration) throws -> SnapshotGroupResult {
        try requireManifestRoom(forGroupOf: disks, name: name, description: description)
        let group = try beginGroup(disks, name: name, description: description)
        var members: [(intent: IntentRecord, payload: IntentPayload, pool: PoolRecord)] = []
        // Every catalog write and every check comes before the first hold.
        for (index, disk) in disks.enumerated() {
            let pool = try pool(named: disk.poolName)
            try nativePool(pool).requireWritable()
            let id = newResourceID(.snapshot)
            var payload = IntentPayload(id: id, name: Names.member(ofGroup: name, index: index + 1) ?? id, diskId: disk.id,
                                        sizeBytes: disk.sizeBytes)
            payload.oldThinId = disk.thinId
            payload.groupId = group.id
            let (intent, _) = try beginIntent(.createGroupSnapshot, pool: pool, payload: payload)
            members.append((intent, try JSONDecoder().decode(IntentPayload.self, from: intent.payload), pool))
        }
        CrashPoint.reach("createSnapshotGroup.beforeHold")
        let window = try hold(plan, deadline: freezeTimeout) {
            CrashPoint.reach("createSnapshotGroup.duringHold")
            for member in members {
                guard let thinId = member.payload.newThinId, let origin = member.payload.oldThinId else { continue }
                try nativePool(member.pool).send(.createSnapshot(ThinDeviceID(thinId), origin: ThinDeviceID(origin)))
            }
        }
        guard window.outcome == .clean else {
            for member in members { try? rollBackGroupMember(member.intent, payload: member.payload, pool: member.pool) }
            _ = try endGroup(group, status: .failed, window: window)
            throw groupFailure(group, window, timeout: freezeTimeout)
        }
        // Commit each pool once: its members' messages all went before the release.
        var committed = Set<String>()
        var snapshots: [SnapshotRecord] = []
        do {
            for member in members {
                if committed.insert(member.pool.name).inserted {
                    try nativePool(member.pool).commit(from: member.intent.transactionId)
                }
                CrashPoint.reach("createSnapshotGroup.afterCommit")
                var payload = member.payload
                payload.holdWindowMicroseconds = window.microseconds
                snapshots.append(try finishSnapshotCreation(member.intent, payload: payload, pool: member.pool))
            }
        } catch {
            // A pool that did not commit fails the group, which keeps nothing:
            // recovery undoes the rest and deletes what other pools committed
            // now, rather than at the next command (settleInterruptedGroups).
            _ = try? recoverLocked()
            throw error
        }
        return SnapshotGroupResult(plan: plan, group: try endGroup(group, status: .accomplished, window: window), snapshots: snapshots)
    }

    private func rollBackGroupMember(_ intent: IntentRecord, payload: IntentPayload, pool: PoolRecord) throws {
        if let thinId = payload.newThinId { try? nativePool(pool).deleteThin(thinId) }
        _ = try catalog.write { db in try intent.delete(db) }
    }

    public func describeSnapshotGroups(ids: [String] = []) throws -> [(group: SnapshotGroupRecord, snapshots: [SnapshotRecord])] {
        for id in ids { try Validation.requireID(id, kind: .snapshotGroup) }
        return try catalog.read { db in
            var request = SnapshotGroupRecord.order(Column("createdAt").desc, Column("id"))
            if !ids.isEmpty { request = request.filter(ids.contains(Column("id"))) }
            return try request.fetchAll(db).map { group in
                (group, try SnapshotRecord.filter(Column("groupId") == group.id).order(Column("id")).fetchAll(db))
            }
        }
    }

    func snapshotGroup(_ id: String) throws -> (SnapshotGroupRecord, [SnapshotRecord]) {
        try Validation.requireID(id, kind: .snapshotGroup)
        guard let found = try describeSnapshotGroups(ids: [id]).first else {
            throw SnapshotsError(.invalidSnapshotGroupNotFound, "no snapshot group has the ID \(id)")
        }
        return found
    }

    /// Deletes a group and every snapshot in it.
    public func deleteSnapshotGroup(_ id: String) throws {
        let (_, snapshots) = try snapshotGroup(id)
        for snapshot in snapshots { try deleteSnapshot(snapshot.id) }
        _ = try catalog.write { db in try SnapshotGroupRecord.deleteOne(db, key: id) }
    }

    /// Rolls every disk of a group back to the group's snapshot of it.
    public func resetDisks(toGroup id: String) throws {
        let (group, snapshots) = try snapshotGroup(id)
        guard group.status == .accomplished else {
            throw SnapshotsError(.incorrectSnapshotStatus, "snapshot group \(id) is \(group.status.rawValue); only an accomplished group can be rolled back to")
        }
        try resetDisks(snapshots.map { (diskId: $0.diskId, snapshotId: $0.id) })
    }

    /// A new disk from every snapshot of a group, named after the group.
    public func cloneDisks(fromGroup id: String) throws -> [DiskRecord] {
        let (group, snapshots) = try snapshotGroup(id)
        // In the group's disk order (DiskId.1, DiskId.2, …): a volume striped over
        // the disks is only assembled again from its clones in that order.
        let position = Dictionary(group.diskIds.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let ordered = snapshots.sorted { (position[$0.diskId] ?? .max, $0.id) < (position[$1.diskId] ?? .max, $1.id) }
        return try ordered.map { try cloneDisk(fromSnapshot: $0.id, name: nil, description: "clone of \($0.diskId) from group \(group.id)") }
    }
}
