import Foundation
import LVM

extension SnapshotService {
    /// A group of LVM thin volumes. LVM suspends each volume itself inside
    /// `lvcreate -s` and resumes one it finds suspended, so dmsnap holds the
    /// group by freezing the filesystems on and above the volumes instead, and
    /// runs every lvcreate inside that hold. That needs a kernel that lets
    /// LVM's own suspend (with lockfs) nest inside a freeze: 6.12 does, 6.1
    /// answers EBUSY; the first lvcreate is the probe, and on such a kernel the
    /// group is refused and nothing is kept.
    func createLVMGroup(_ disks: [DiskRecord], name: String?, description: String, freezeTimeout: Duration,
                        dryRun: Bool) throws -> SnapshotGroupResult {
        try withLVM { session in
            let inventory = try discoverLVM(session)
            var volumes: [LogicalVolume] = []
            for disk in disks {
                let volume = try liveVolume(of: disk, in: inventory)
                guard LVMInventory.role(of: volume) == .disk(thin: true) else {
                    throw SnapshotsError(.unsupportedDisk, "disk \(disk.id) (\(volume.qualifiedName)) is a thick LV; a group takes thin volumes only")
                }
                volumes.append(volume)
            }
            let (plan, _) = try freezePlan(for: zip(disks, volumes).map { ($0, LVMInventory.deviceNumber($1)) }, suspendDisks: false)
            if dryRun { return SnapshotGroupResult(plan: plan, group: nil, snapshots: [], memoryLockReason: memoryLockReason(for: plan)) }

            let group = try beginGroup(disks, name: name, description: description)
            var members: [(intent: IntentRecord, payload: IntentPayload, volume: LogicalVolume)] = []
            for (index, (disk, volume)) in zip(disks, volumes).enumerated() {
                let id = newResourceID(.snapshot)
                var payload = IntentPayload(id: id, name: Names.member(ofGroup: name, index: index + 1) ?? id, diskId: disk.id,
                                            sizeBytes: volume.size)
                payload.groupId = group.id
                members.append((try beginLVMIntent(.lvmCreateSnapshot, volume: volume, payload: payload), payload, volume))
            }
            let commands = try lvm {
                try members.map { (try LVMName(logicalVolume: $0.payload.id), try Self.qualified($0.volume), try LVMTag($0.payload.id)) }
            }
            let devices = volumes.compactMap(LVMInventory.deviceNumber)
            let filter = devices.count == volumes.count ? LVMMemoryLock.filter(forVolumes: devices) : nil
            let window = try hold(plan, deadline: freezeTimeout) {
                CrashPoint.reach("createSnapshotGroup.duringHold")
                for (snapshotName, origin, tag) in commands {
                    try session.createThinSnapshot(snapshotName, of: origin, tags: [tag], memoryLockFilter: filter)
                }
            }
            guard window.outcome == .clean else {
                removeLVMGroupMembers(members.map { ($0.intent, $0.payload) }, session: session)
                _ = try endGroup(group, status: .failed, window: window)
                if let failure = window.failure, failure.contains("Device or resource busy") {
                    var system = utsname()
                    uname(&system)
                    let release = withUnsafeBytes(of: system.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                    throw SnapshotsError(.unsupportedDisk, """
                        group \(group.id) failed: this kernel (\(release)) cannot snapshot an LVM volume while its filesystem \
                        is frozen (LVM's own suspend gets EBUSY; 6.12 nests the freeze, 6.1 does not), so nothing can hold \
                        these volumes together; everything was released and no snapshot kept. Snapshot the LVs one at a \
                        time, or stack them under one dm or md volume that dmsnap can hold
                        """)
                }
                throw groupFailure(group, window, timeout: freezeTimeout)
            }
            var snapshots: [SnapshotRecord] = []
            for member in members {
                var payload = member.payload
                payload.holdWindowMicroseconds = window.microseconds
                snapshots.append(try finishLVMSnapshotCreation(member.intent, payload: payload, volumeGroup: member.volume.volumeGroup,
                                                               poolName: member.volume.pool.map { "\(member.volume.volumeGroup)/\($0)" } ?? "",
                                                               created: nil))
            }
            return SnapshotGroupResult(plan: plan, group: try endGroup(group, status: .accomplished, window: window), snapshots: snapshots)
        }
    }

    /// Removes what a failed or interrupted LVM group made, found by tag, and its intents.
    func removeLVMGroupMembers(_ members: [(intent: IntentRecord, payload: IntentPayload)], session: LVMSession) {
        let inventory = try? LVMInventory.read(session)
        for member in members {
            if let made = inventory?.volumes.first(where: { LVMInventory.taggedID($0, kind: .snapshot) == member.payload.id }),
               let name = try? Self.qualified(made) {
                try? session.removeLogicalVolume(name)
            }
            _ = try? catalog.write { db in try member.intent.delete(db) }
        }
    }
}
