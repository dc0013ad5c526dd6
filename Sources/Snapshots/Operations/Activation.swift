import DeviceMapper
import Foundation
import GRDB

extension SnapshotService {
    /// Re-creates every pool and disk of the catalog in the kernel (after a
    /// reboot); what is already active is left as it is.
    @discardableResult
    public func activate() throws -> [String] {
        let lock = try OperationLock(stateDirectory: stateDirectory)
        defer { withExtendedLifetime(lock) {} }
        return try activateLocked()
    }

    func activateLocked() throws -> [String] {
        var activated: [String] = []
        let pools = try catalog.read { db in try PoolRecord.fetchAll(db) }
        for var pool in pools {
            if let dataFile = pool.dataFile, let metadataFile = pool.metadataFile {
                // Loop device numbers change across reboots.
                let data = try LoopDevice.attach(file: dataFile)
                let metadata = try LoopDevice.attach(file: metadataFile)
                if data != pool.dataDevice || metadata != pool.metadataDevice {
                    pool.dataDevice = data
                    pool.metadataDevice = metadata
                    try catalog.write { [pool] db in try pool.update(db) }
                }
            }
            let native = nativePool(pool)
            if try deviceMapper.info(native.deviceName) == nil {
                try native.activate()
                activated.append(native.deviceName)
            }
        }
        try activateManifests()
        try recoverLocked()
        // LVM activates its own volumes (its udev rules, lvm2-activation).
        for disk in try catalog.read({ db in try DiskRecord.filter(Column("backend") == Backend.native.rawValue).fetchAll(db) }) {
            let name = KernelNames.volume(disk.id)
            if try deviceMapper.info(name) == nil {
                try nativePool(try pool(named: disk.poolName)).activateVolume(disk.id, thinId: disk.thinId, sizeBytes: disk.sizeBytes)
                activated.append(name)
            }
            updateLink(for: disk)
        }
        return activated
    }
}
