import Foundation
import LVM

extension SnapshotService {
    /// Whether a pool name names an LVM thin pool (`vg/pool`) rather than a
    /// native pool: dmsnap's own pool names cannot hold a '/'.
    static func isLVMPoolName(_ name: String?) -> Bool {
        name?.contains("/") ?? false
    }

    /// A new, empty thin LV in the LVM thin pool `poolName` (`vg/pool`),
    /// tagged with its `d-` ID and registered as a disk: what a restore or a
    /// receive into an LVM pool writes to. Its LV name is the disk name,
    /// which must suit LVM, or the ID. A crash after lvcreate is finished by
    /// recovery as a clone's is (the tag says the LV is the disk's).
    func createLVMDisk(sizeBytes: UInt64, name: String?, description: String, poolName: String, id: String) throws -> DiskRecord {
        let (pool, lvName, size) = try lvm {
            (try LVMQualifiedName(parsing: poolName), try LVMName(logicalVolume: name ?? id), try LVMSize(bytes: sizeBytes))
        }
        return try withLVM { session in
            let inventory = try discoverLVM(session)
            try Self.requireThinPool(pool, named: poolName, in: inventory, scope: lvmScope)
            if inventory.volume(pool.volumeGroup.value, lvName.value) != nil {
                throw SnapshotsError(.alreadyExists, "volume group \(pool.volumeGroup) already has an LV named \(lvName.value)")
            }
            var payload = IntentPayload(id: id, name: name ?? id, description: description, sizeBytes: sizeBytes)
            payload.newLogicalVolume = lvName.value
            let intent = try beginLVMIntent(.lvmCloneDisk, poolName: pool.description, payload: payload)
            try lvm { try session.createThinVolume(lvName, pool: pool, virtualSize: size, tags: [try LVMTag(id)]) }
            CrashPoint.reach("lvmCreateDisk.afterCreate")
            return try finishLVMClone(intent, payload: payload, session: session)
        }
    }

    /// Refuses `poolName` unless it is an LVM thin pool (`vg/pool`) in dmsnap's scope.
    func requireLVMThinPool(_ poolName: String) throws {
        let pool = try lvm { try LVMQualifiedName(parsing: poolName) }
        try withLVM { session in try Self.requireThinPool(pool, named: poolName, in: try discoverLVM(session), scope: lvmScope) }
    }

    private static func requireThinPool(_ pool: LVMQualifiedName, named poolName: String, in inventory: LVMInventory, scope: LVMScope) throws {
        guard scope.contains(pool.volumeGroup.value),
              let thinPool = inventory.volume(pool.volumeGroup.value, pool.logicalVolume.value), thinPool.attributes.isThinPool else {
            throw SnapshotsError(.invalidPoolNotFound, "\(UntrustedText.quoted(poolName, limit: 80)) is not an LVM thin pool dmsnap manages (see lvs and \(LVMScope.environmentVariable))")
        }
    }
}
