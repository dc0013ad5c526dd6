import Foundation
import GRDB
import LVM

extension SnapshotService {
    /// Finishes or undoes an LVM operation a crash interrupted. LVM commits
    /// each command's metadata atomically, so what LVM holds now (the tag of a
    /// new LV, the presence of the merged snapshot) says which side of its
    /// step the operation stopped on. Returns true when it was finished.
    func recoverLVM(_ intent: IntentRecord, operation: IntentOperation, payload: IntentPayload) throws -> Bool {
        try withLVM { session in
            let inventory = try lvm { try LVMInventory.read(session) }
            switch operation {
            case .lvmCreateSnapshot where payload.groupId != nil:
                // A group member: the group was interrupted, so none of it is kept.
                removeLVMGroupMembers([(intent, payload)], session: session)
                return false
            case .lvmCreateSnapshot:
                if let created = inventory.volumes.first(where: { LVMInventory.taggedID($0, kind: .snapshot) == payload.id }) {
                    _ = try finishLVMSnapshotCreation(intent, payload: payload, volumeGroup: created.volumeGroup,
                                                      poolName: created.pool.map { "\(created.volumeGroup)/\($0)" } ?? "", created: created)
                    return true
                }
            case .lvmCloneDisk:
                if inventory.volumes.contains(where: { LVMInventory.taggedID($0, kind: .disk) == payload.id }) {
                    _ = try finishLVMClone(intent, payload: payload, session: session)
                    return true
                }
            case .lvmResetDisk:
                let merged = payload.lvUuid.map { inventory.volume(uuid: $0) == nil } ?? false
                if merged {
                    try finishLVMReset(intent, payload: payload, session: session)
                    return true
                }
                // Not merged: the copy, if made, goes; the snapshot is as it was.
                let disk = try catalog.read { db in try DiskRecord.fetchOne(db, key: payload.id) }
                if let volumeGroup = disk?.volumeGroup, let copyName = payload.newLogicalVolume,
                   let copy = inventory.volume(volumeGroup, copyName) {
                    try lvm { try session.removeLogicalVolume(try Self.qualified(copy)) }
                }
            case .lvmDeleteDisk, .lvmDeleteSnapshot, .lvmReleaseSnapshot:
                let uuid = try catalog.read { db in
                    operation == .lvmDeleteDisk
                        ? try DiskRecord.fetchOne(db, key: payload.id)?.lvUuid
                        : try SnapshotRecord.fetchOne(db, key: payload.id)?.lvUuid
                }
                if uuid.map({ inventory.volume(uuid: $0) == nil }) ?? true {
                    try finish(intent)
                    return true
                }
            default:
                throw SnapshotsError(.internalError, "\(operation.rawValue) is not an LVM operation")
            }
            _ = try catalog.write { db in try intent.delete(db) }
            return false
        }
    }
}
