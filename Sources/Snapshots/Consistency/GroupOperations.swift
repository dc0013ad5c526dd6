import DeviceMapper
import Foundation
import GRDB

/// What CreateSnapshotGroup did, or would do (`dryRun`).
public struct SnapshotGroupResult: Sendable {
    public let plan: FreezePlan
    /// Nil for a dry run.
    public let group: SnapshotGroupRecord?
    public let snapshots: [SnapshotRecord]
}

extension SnapshotService {
    public static let defaultFreezeTimeout: Duration = .seconds(10)

    /// Snapshots several native disks at one instant: every filesystem above
    /// them is frozen and every disk suspended (the freeze plan), then each
    /// gets its create_snap, then all is released in reverse. A guardian
    /// process releases everything if dmsnap dies or `freezeTimeout` passes
    /// first; the group then fails and keeps no snapshot.
    ///
    /// - Parameters:
    ///   - diskIds: the disks; empty means every disk of this host except `excluding`.
    public func createSnapshotGroup(diskIds: [String], excluding: [String] = [], name: String?, description: String = "",
                                    freezeTimeout: Duration = defaultFreezeTimeout, dryRun: Bool = false) throws -> SnapshotGroupResult {
        if let name { try Validation.requireName(name, what: "snapshot group name") }
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
            let (plan, active) = try freezePlan(for: disks)
            if dryRun { return SnapshotGroupResult(plan: plan, group: nil, snapshots: []) }
            return try takeGroup(disks, active: active, plan: plan, name: name, description: description, freezeTimeout: freezeTimeout)
        }
    }

    private func groupDisks(_ diskIds: [String], excluding: [String]) throws -> [DiskRecord] {
        var seen = Set<String>()
        let disks: [DiskRecord]
        if diskIds.isEmpty {
            for id in excluding { _ = try disk(id) }
            disks = try catalog.read { db in try DiskRecord.order(Column("createdAt"), Column("id")).fetchAll(db) }
                .filter { !excluding.contains($0.id) && $0.backend == .native }
        } else {
            disks = try diskIds.filter { seen.insert($0).inserted }.map { try disk($0) }
        }
        guard !disks.isEmpty else { throw SnapshotsError(.invalidParameter, "the group has no disk") }
        if let lvm = disks.first(where: { $0.backend == .lvm }) {
            throw SnapshotsError(.unsupportedDisk, """
                disk \(lvm.id) (\(lvm.lvm?.qualifiedName ?? lvm.name)) is an LVM volume: snapshot groups of LVM volumes \
                are not supported yet; take native disks, or snapshot the LV alone with CreateSnapshot
                """)
        }
        return disks
    }

    /// The plan over the disks that are active; an inactive disk has no I/O to hold.
    private func freezePlan(for disks: [DiskRecord]) throws -> (FreezePlan, [DiskRecord]) {
        let graph = try HolderGraph.read()
        var devices: [HolderGraph.Device] = []
        var active: [DiskRecord] = []
        for disk in disks {
            guard let info = try deviceMapper.info(KernelNames.volume(disk.id)) else { continue }
            guard let device = graph.device(info.number) else {
                throw SnapshotsError(.internalError, "disk \(disk.id) (\(info.number)) is not in /sys/class/block")
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
        return (try FreezePlan.plan(disks: devices, graph: graph, mounts: mounts, dmNames: dmNames), active)
    }

    private func takeGroup(_ disks: [DiskRecord], active: [DiskRecord], plan: FreezePlan, name: String?, description: String,
                           freezeTimeout: Duration) throws -> SnapshotGroupResult {
        let groupId = newResourceID(.snapshotGroup)
        var members: [(intent: IntentRecord, payload: IntentPayload, pool: PoolRecord)] = []
        let group = SnapshotGroupRecord(id: groupId, name: name ?? groupId, description: description, createdAt: Date(),
                                        status: .progressing, holdWindowMicroseconds: 0, diskIds: disks.map(\.id))
        try catalog.write { db in try group.insert(db) }
        // Every catalog write and every check comes before the first hold.
        for (index, disk) in disks.enumerated() {
            let pool = try pool(named: disk.poolName)
            try nativePool(pool).requireWritable()
            var payload = IntentPayload(id: newResourceID(.snapshot), name: "\(group.name)-\(index + 1)", diskId: disk.id,
                                        sizeBytes: disk.sizeBytes)
            payload.oldThinId = disk.thinId
            payload.groupId = groupId
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
            try catalog.write { db in
                var failed = group
                failed.status = .failed
                failed.holdWindowMicroseconds = window.microseconds
                try failed.update(db)
            }
            let seconds = Double(freezeTimeout.components.seconds) + Double(freezeTimeout.components.attoseconds) / 1e18
            throw SnapshotsError(.kernel, window.outcome == .deadlinePassed
                ? "group \(groupId) failed: the freeze deadline of \(seconds) s passed before every snapshot was taken, so the guardian released the disks; no snapshot was kept"
                : "group \(groupId) failed: \(window.failure ?? "the guardian failed"); no snapshot was kept")
        }
        // Commit each pool once: its members' messages all went before the release.
        var committed = Set<String>()
        var snapshots: [SnapshotRecord] = []
        for member in members {
            if committed.insert(member.pool.name).inserted {
                try nativePool(member.pool).commit(from: member.intent.transactionId)
            }
            CrashPoint.reach("createSnapshotGroup.afterCommit")
            var payload = member.payload
            payload.holdWindowMicroseconds = window.microseconds
            snapshots.append(try finishSnapshotCreation(member.intent, payload: payload, pool: member.pool))
        }
        var finished = group
        finished.status = .accomplished
        finished.holdWindowMicroseconds = window.microseconds
        try catalog.write { [finished] db in try finished.update(db) }
        return SnapshotGroupResult(plan: plan, group: finished, snapshots: snapshots)
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
        return try snapshots.map { try cloneDisk(fromSnapshot: $0.id, name: nil, description: "clone of \($0.diskId) from group \(group.id)") }
    }
}
