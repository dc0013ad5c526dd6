import DeviceMapper
import Foundation
import GRDB
import LVM

/// Snapshots of LVM thin volumes. Every change goes through LVM (liblvm2cmd),
/// so that `lvs`, `lvconvert` and LVM's pool checks keep agreeing with the
/// kernel; dmsnap never messages an LVM pool itself. A snapshot LV is named
/// and tagged with its `s-` ID, so it is recognised without the catalog.
extension SnapshotService {
    func createLVMSnapshot(_ disk: DiskRecord, name: String?, description: String, retentionDays: Int?,
                           usageLimit: PoolUsageLimit, instantAccessRetentionDays: Int? = nil, id wanted: String? = nil) throws -> SnapshotRecord {
        try withLVM { session in
            let origin = try snapshotOrigin(disk, usageLimit: usageLimit, session: session)
            let id = wanted ?? newResourceID(.snapshot)
            var payload = IntentPayload(id: id, name: name ?? id, description: description, diskId: disk.id,
                                        sizeBytes: disk.sizeBytes, retentionDays: retentionDays)
            payload.instantAccessRetentionDays = instantAccessRetentionDays
            let intent = try beginLVMIntent(.lvmCreateSnapshot, poolName: origin.poolName, payload: payload)
            CrashPoint.reach("lvmCreateSnapshot.afterIntent")
            let clock = ContinuousClock()
            let start = clock.now
            let filter = origin.device.flatMap { LVMMemoryLock.filter(forVolumes: [$0]) }
            try lvm {
                try session.createThinSnapshot(try LVMName(logicalVolume: id), of: origin.name, tags: [try LVMTag(id)], memoryLockFilter: filter)
            }
            // LVM suspends the origin inside lvcreate; the whole call bounds the hold window.
            payload.holdWindowMicroseconds = (clock.now - start).microseconds
            CrashPoint.reach("lvmCreateSnapshot.afterCreate")
            // Not read back: the next discovery learns the new LV's UUID from its
            // tag, which saves a second liblvm2cmd start and report here.
            return try finishLVMSnapshotCreation(intent, payload: payload, volumeGroup: origin.name.volumeGroup.value,
                                                 poolName: origin.poolName, created: nil)
        }
    }

    /// The LV to snapshot, checked: from the kernel when it is active (a few
    /// ioctls), else from LVM's report after discovery.
    private func snapshotOrigin(_ disk: DiskRecord, usageLimit: PoolUsageLimit,
                                session: LVMSession) throws -> (name: LVMQualifiedName, poolName: String, device: DeviceNumber?) {
        if let kernel = LVMKernelView.read(disk, deviceMapper: deviceMapper), let locator = disk.lvm {
            try usageLimit.check(pool: disk.poolName, dataPercent: kernel.dataPercent, metadataPercent: kernel.metadataPercent)
            return (try lvm { try LVMQualifiedName(volumeGroup: locator.volumeGroup, logicalVolume: locator.logicalVolume) }, disk.poolName,
                    kernel.device)
        }
        let inventory = try discoverLVM(session)
        let volume = try liveVolume(of: disk, in: inventory)
        guard LVMInventory.role(of: volume) == .disk(thin: true) else {
            throw SnapshotsError(.unsupportedDisk, """
                disk \(disk.id) (\(volume.qualifiedName)) is a thick LV (\(volume.layout.joined(separator: ","))), \
                not a thin volume; dmsnap snapshots thin LVs only. Move it into a thin pool with \
                `lvconvert --type thin --thinpool VG/POOL \(volume.qualifiedName)` (its data becomes a \
                read-only external origin), or copy it into a new thin LV
                """)
        }
        // A disk with a rollback pending can still be snapshotted: LVM takes it
        // as it is now, before the merge at its next activation.
        if let pool = inventory.pool(of: volume) {
            try usageLimit.check(pool: pool.qualifiedName, dataPercent: pool.dataPercent, metadataPercent: pool.metadataPercent)
        }
        return (try Self.qualified(volume), volume.pool.map { "\(volume.volumeGroup)/\($0)" } ?? "", LVMInventory.deviceNumber(volume))
    }

    /// After lvcreate: record the snapshot (also run by recovery, which knows the LV).
    func finishLVMSnapshotCreation(_ intent: IntentRecord, payload: IntentPayload, volumeGroup: String, poolName: String,
                                   created volume: LogicalVolume?) throws -> SnapshotRecord {
        var snapshot = SnapshotRecord(
            id: payload.id, name: payload.name, description: payload.description, diskId: payload.diskId ?? "",
            poolName: poolName, thinId: 0,
            sourceDiskSizeBytes: payload.sizeBytes, createdAt: intent.createdAt, modifiedAt: intent.createdAt,
            retentionDays: payload.retentionDays, groupId: payload.groupId, holdWindowMicroseconds: payload.holdWindowMicroseconds,
            backend: .lvm, lvUuid: volume?.uuid, volumeGroup: volumeGroup, logicalVolume: volume?.name ?? payload.id)
        snapshot.instantAccessRetentionDays = payload.instantAccessRetentionDays
        try catalog.write { [snapshot] db in
            // Discovery may have met the tagged LV first.
            try SnapshotRecord.deleteOne(db, key: snapshot.id)
            try snapshot.insert(db)
            try intent.delete(db)
        }
        return snapshot
    }

    func deleteLVMSnapshot(_ snapshot: SnapshotRecord) throws {
        try withLVM { session in
            let inventory = try discoverLVM(session)
            if let volume = currentVolume(of: snapshot, in: inventory) {
                if try isStillOpen(volume) {
                    throw SnapshotsError(.incorrectSnapshotStatus, "snapshot \(snapshot.id) (\(volume.qualifiedName)) is open; close it and run `dmsnap snapshot hide \(snapshot.id)`")
                }
                let intent = try beginLVMIntent(.lvmDeleteSnapshot, volume: volume, payload: IntentPayload(id: snapshot.id))
                try lvm { try session.removeLogicalVolume(try Self.qualified(volume)) }
                CrashPoint.reach("lvmDeleteSnapshot.afterRemove")
                try finish(intent)
            } else {
                // Its LV was removed behind dmsnap's back: only the record is left.
                _ = try catalog.write { db in try SnapshotRecord.deleteOne(db, key: snapshot.id) }
            }
        }
    }

    /// Activates the snapshot read-only at /dev/VG/LV, to copy a file out.
    func exposeLVMSnapshot(_ snapshot: SnapshotRecord) throws -> String {
        try withLVM { session in
            let volume = try liveVolume(of: snapshot, in: try discoverLVM(session))
            let name = try lvm { try Self.qualified(volume) }
            try lvm {
                try session.run(.lvchange, arguments: [try .option("--permission"), try .value("r"), .volume(name)])
                try session.activateLogicalVolume(name, ignoringActivationSkip: true)
            }
            return LVMInventory.devicePath(volume)
        }
    }

    func hideLVMSnapshot(_ snapshot: SnapshotRecord) throws {
        try withLVM { session in
            let volume = try liveVolume(of: snapshot, in: try discoverLVM(session))
            if try isStillOpen(volume) {
                throw SnapshotsError(.incorrectSnapshotStatus, "snapshot \(snapshot.id) (\(volume.qualifiedName)) is still open (mounted?); unmount it first")
            }
            let name = try lvm { try Self.qualified(volume) }
            try lvm {
                try session.deactivateLogicalVolume(name)
                // Writable again, as lvcreate made it: a rollback merges it.
                if !volume.attributes.isWritable {
                    try session.run(.lvchange, arguments: [try .option("--permission"), try .value("rw"), .volume(name)])
                }
            }
        }
    }

    // MARK: Shared by the LVM operations

    /// The disk's LV as LVM has it now, or a clear error when it was removed.
    func liveVolume(of disk: DiskRecord, in inventory: LVMInventory) throws -> LogicalVolume {
        guard let uuid = disk.lvUuid, let volume = inventory.volume(uuid: uuid) else {
            throw SnapshotsError(.incorrectDiskStatus, "disk \(disk.id) is missing: its LV \(disk.lvm?.qualifiedName ?? "?") (UUID \(disk.lvUuid ?? "?")) was removed outside dmsnap")
        }
        return volume
    }

    /// The snapshot's LV: by UUID, or, for a snapshot recorded before its UUID
    /// was read back, by the tag that carries its ID.
    func currentVolume(of snapshot: SnapshotRecord, in inventory: LVMInventory) -> LogicalVolume? {
        guard let uuid = snapshot.lvUuid else {
            return inventory.volumes.first { LVMInventory.taggedID($0, kind: .snapshot) == snapshot.id }
        }
        return inventory.volume(uuid: uuid)
    }

    func liveVolume(of snapshot: SnapshotRecord, in inventory: LVMInventory) throws -> LogicalVolume {
        guard let volume = currentVolume(of: snapshot, in: inventory) else {
            throw SnapshotsError(.incorrectSnapshotStatus, "snapshot \(snapshot.id) is missing: its LV \(snapshot.lvm?.qualifiedName ?? "?") (UUID \(snapshot.lvUuid ?? "?")) was removed outside dmsnap")
        }
        return volume
    }

    /// An intent for an LVM operation. LVM has no transaction id dmsnap could
    /// use as a commit point: recovery asks LVM what exists (tags, UUIDs) instead.
    func beginLVMIntent(_ operation: IntentOperation, volume: LogicalVolume, payload: IntentPayload) throws -> IntentRecord {
        try beginLVMIntent(operation, poolName: "\(volume.volumeGroup)/\(volume.pool ?? "")", payload: payload)
    }

    func beginLVMIntent(_ operation: IntentOperation, poolName: String, payload: IntentPayload) throws -> IntentRecord {
        let encoded = try JSONEncoder().encode(payload)
        return try catalog.write { db in
            var intent = IntentRecord(id: nil, operation: operation.rawValue, poolName: poolName,
                                      transactionId: 0, payload: encoded, createdAt: Date())
            try intent.insert(db)
            return intent
        }
    }

    @discardableResult
    func lvm<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as LVMError { throw SnapshotsError(lvm: error) }
    }

    static func qualified(_ volume: LogicalVolume) throws -> LVMQualifiedName {
        do { return try LVMQualifiedName(volumeGroup: volume.volumeGroup, logicalVolume: volume.name) } catch { throw SnapshotsError(lvm: error) }
    }
}
