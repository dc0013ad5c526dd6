import Foundation
import GRDB
import LVM

extension SnapshotService {
    /// A new thin LV from an LVM snapshot (ECS CreateDisk --SnapshotId): a
    /// writable snapshot of the snapshot, activation skip off, tagged with its
    /// `d-` ID. Its LV name is the disk name, which must suit LVM, or the ID.
    func cloneLVMDisk(from snapshot: SnapshotRecord, name: String?, description: String, id: String) throws -> DiskRecord {
        let lvName = try lvm { try LVMName(logicalVolume: name ?? id) }
        return try withLVM { session in
            let inventory = try discoverLVM(session)
            let source = try liveVolume(of: snapshot, in: inventory)
            if inventory.volume(source.volumeGroup, lvName.value) != nil {
                throw SnapshotsError(.alreadyExists, "volume group \(source.volumeGroup) already has an LV named \(lvName.value)")
            }
            var payload = IntentPayload(id: id, name: name ?? id, description: description, sizeBytes: source.size)
            payload.snapshotId = snapshot.id
            payload.newLogicalVolume = lvName.value
            let intent = try beginLVMIntent(.lvmCloneDisk, volume: source, payload: payload)
            CrashPoint.reach("lvmCloneDisk.afterIntent")
            try lvm {
                try session.createThinSnapshot(lvName, of: try Self.qualified(source), tags: [try LVMTag(id)], skipActivation: false)
            }
            CrashPoint.reach("lvmCloneDisk.afterCreate")
            return try finishLVMClone(intent, payload: payload, session: session)
        }
    }

    /// After lvcreate: record the clone (also run by recovery).
    func finishLVMClone(_ intent: IntentRecord, payload: IntentPayload, session: LVMSession) throws -> DiskRecord {
        let inventory = try lvm { try LVMInventory.read(session) }
        guard let volume = inventory.volumes.first(where: { LVMInventory.taggedID($0, kind: .disk) == payload.id }) else {
            throw SnapshotsError(.lvm, "lvcreate reported success but no LV carries the tag \(payload.id)")
        }
        let template = DiskRecord(id: payload.id, name: payload.name, description: payload.description, poolName: "",
                                  thinId: 0, sizeBytes: volume.size, createdAt: intent.createdAt,
                                  sourceSnapshotId: payload.snapshotId)
        let disk = DiskRecord.lvm(template, volume)
        try catalog.write { db in
            try DiskRecord.deleteOne(db, key: disk.id)
            try disk.insert(db)
            try intent.delete(db)
        }
        return disk
    }

    /// Rolls an LVM thin LV back to a snapshot and keeps the snapshot: a copy
    /// of the snapshot (a snapshot of it) is made first, then the snapshot is
    /// merged into the disk (`lvconvert --merge`), and the copy carries on as
    /// the snapshot, with its ID. The disk keeps its LV, UUID and path. An open
    /// disk is refused unless `deferred`: LVM then merges at the disk's next activation.
    func resetLVMDisk(_ disk: DiskRecord, to snapshot: SnapshotRecord, deferred: Bool) throws {
        try withLVM { session in
            let (target, source) = try lvmResetVolumes(disk, to: snapshot, deferred: deferred, in: try discoverLVM(session))
            var payload = IntentPayload(id: disk.id, diskId: disk.id, snapshotId: snapshot.id, sizeBytes: target.size)
            payload.lvUuid = source.uuid
            payload.deferred = deferred
            var intent = try beginLVMIntent(.lvmResetDisk, volume: target, payload: payload)
            // The copy's name is derived from the intent, so recovery finds it.
            payload.newLogicalVolume = Self.copyName(of: source.name, intent: intent)
            intent.payload = try JSONEncoder().encode(payload)
            try catalog.write { [intent] db in try intent.update(db) }
            CrashPoint.reach("lvmResetDisk.afterIntent")
            let copyName = try lvm { try LVMName(logicalVolume: payload.newLogicalVolume ?? "") }
            try lvm {
                try session.createThinSnapshot(copyName, of: try Self.qualified(source), tags: [try LVMTag(snapshot.id)])
            }
            CrashPoint.reach("lvmResetDisk.afterCopy")
            // The commit point: after the merge the snapshot's old LV is gone
            // (or hidden, merging), and the copy is the snapshot.
            try lvm { try session.mergeSnapshot(try Self.qualified(source)) }
            CrashPoint.reach("lvmResetDisk.afterMerge")
            try finishLVMReset(intent, payload: payload, session: session)
        }
    }

    /// The disk's and the snapshot's LVs, once everything an LVM rollback
    /// needs is checked: the snapshot is one of the disk, no rollback is
    /// pending on the disk, its thin pool is healthy (a failed, full or
    /// read-only pool cannot take the copy), and it is not open unless `deferred`.
    func lvmResetVolumes(_ disk: DiskRecord, to snapshot: SnapshotRecord, deferred: Bool,
                         in inventory: LVMInventory) throws -> (target: LogicalVolume, source: LogicalVolume) {
        let target = try liveVolume(of: disk, in: inventory)
        let source = try liveVolume(of: snapshot, in: inventory)
        guard source.volumeGroup == target.volumeGroup, source.origin == target.name else {
            throw SnapshotsError(.invalidParameter, """
                snapshot \(snapshot.id) (\(source.qualifiedName)) is not a snapshot of disk \(disk.id) \
                (\(target.qualifiedName)): its origin is \(source.origin.map { "\(source.volumeGroup)/\($0)" } ?? "gone")
                """)
        }
        if target.attributes.isMergingOrigin {
            throw SnapshotsError(.incorrectDiskStatus, "disk \(disk.id) (\(target.qualifiedName)) already has a rollback pending until its next activation")
        }
        if let pool = inventory.pool(of: target), let state = ["F": "failed", "D": "out of data space", "M": "read-only (its metadata)"][String(pool.attributes.health)] {
            throw SnapshotsError(.poolInUse, "the thin pool \(pool.qualifiedName) of disk \(disk.id) is \(state) (lv_attr \(pool.attributes)); see `lvs -a \(pool.volumeGroup)` and repair it first")
        }
        if !deferred, try isStillOpen(target) {
            let mountPoint = LVMInventory.deviceNumber(target).flatMap { MountTable.current().mountPoint(of: $0) }
            throw SnapshotsError(.incorrectDiskStatus, mountPoint.map {
                "disk \(disk.id) (\(target.qualifiedName)) is mounted on \($0); unmount it first, or ask for a deferred rollback (--deferred) that LVM performs at its next activation"
            } ?? "disk \(disk.id) (\(target.qualifiedName)) is open; close it first, or ask for a deferred rollback (--deferred) that LVM performs at its next activation")
        }
        return (target, source)
    }

    /// After the merge: the copy takes over the snapshot's record and, once
    /// the old LV is gone, its name (also run by recovery).
    func finishLVMReset(_ intent: IntentRecord, payload: IntentPayload, session: LVMSession) throws {
        guard let snapshotId = payload.snapshotId, let copyName = payload.newLogicalVolume else {
            throw SnapshotsError(.internalError, "rollback intent without a snapshot")
        }
        var inventory = try lvm { try LVMInventory.read(session) }
        let disk = try catalog.read { db in try DiskRecord.fetchOne(db, key: payload.id) }
        guard let volumeGroup = disk?.volumeGroup, var copy = inventory.volume(volumeGroup, copyName) else {
            throw SnapshotsError(.lvm, "the copy \(copyName) of snapshot \(snapshotId) that the rollback of \(payload.id) made is gone")
        }
        let snapshot = try catalog.read { db in try SnapshotRecord.fetchOne(db, key: snapshotId) }
        if let oldName = snapshot?.logicalVolume, oldName != copyName,
           inventory.volume(volumeGroup, oldName) == nil, !(disk.flatMap { inventory.volume(uuid: $0.lvUuid ?? "") }?.attributes.isMergingOrigin ?? false) {
            try lvm { try session.renameLogicalVolume(try Self.qualified(copy), to: try LVMName(logicalVolume: oldName)) }
            inventory = try lvm { try LVMInventory.read(session) }
            copy = inventory.volume(uuid: copy.uuid) ?? copy
        }
        try catalog.write { [copy] db in
            if var snapshot = try SnapshotRecord.fetchOne(db, key: snapshotId) {
                snapshot.lvUuid = copy.uuid
                snapshot.logicalVolume = copy.name
                snapshot.missingSince = nil
                try snapshot.update(db)
            }
            try intent.delete(db)
        }
    }

    /// Removes a disk's LV (ECS DeleteDisk); its snapshots stay.
    func deleteLVMDisk(_ disk: DiskRecord) throws {
        try withLVM { session in
            let inventory = try discoverLVM(session)
            guard let uuid = disk.lvUuid, let volume = inventory.volume(uuid: uuid) else {
                _ = try catalog.write { db in try DiskRecord.deleteOne(db, key: disk.id) }
                return
            }
            if try isStillOpen(volume) {
                let mountPoint = LVMInventory.deviceNumber(volume).flatMap { MountTable.current().mountPoint(of: $0) }
                throw SnapshotsError(.incorrectDiskStatus, "disk \(disk.id) (\(volume.qualifiedName)) is \(mountPoint.map { "mounted on \($0)" } ?? "open"); close it first")
            }
            let intent = try beginLVMIntent(.lvmDeleteDisk, volume: volume, payload: IntentPayload(id: disk.id))
            try lvm { try session.removeLogicalVolume(try Self.qualified(volume)) }
            CrashPoint.reach("lvmDeleteDisk.afterRemove")
            try finish(intent)
        }
    }

    static func copyName(of snapshotVolume: String, intent: IntentRecord) -> String {
        "\(snapshotVolume.prefix(100))_r\(intent.id ?? 0)"
    }
}
