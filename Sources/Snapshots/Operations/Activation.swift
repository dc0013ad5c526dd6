import DeviceMapper
import Foundation
import GRDB

/// What `activate` brought up, and what it could not, each with why.
public struct ActivationReport: Sendable {
    public var activated: [String] = []
    public var problems: [String] = []
}

extension SnapshotService {
    /// Re-creates every pool and disk of the catalog in the kernel (after a
    /// reboot); what is already active is left as it is. One pool that
    /// cannot be brought up (its files gone, its device another's) does not
    /// keep the others down: everything that can be is activated, and the
    /// report says what could not.
    @discardableResult
    public func activate() throws -> ActivationReport {
        let lock = try OperationLock(stateDirectory: stateDirectory)
        defer { withExtendedLifetime(lock) {} }
        return try activateLocked()
    }

    func activateLocked() throws -> ActivationReport {
        var report = ActivationReport()
        // Before any pool is attached: a deletion a kill interrupted would
        // otherwise look for the files it already removed. The other
        // operations wait until the pools are up (their loop devices change
        // across reboots).
        _ = try recoverPoolLifecycles()
        var failedPools = Set<String>()
        for pool in try catalog.read({ db in try PoolRecord.fetchAll(db) }) {
            do {
                if let device = try activatePool(pool) { report.activated.append(device) }
            } catch {
                failedPools.insert(pool.name)
                report.problems.append("pool \(pool.name): \(Self.reason(error))")
            }
        }
        do {
            try recoverLocked()
        } catch {
            report.problems.append("recover: \(Self.reason(error))")
        }
        // LVM activates its own volumes (its udev rules, lvm2-activation).
        for disk in try catalog.read({ db in try DiskRecord.filter(Column("backend") == Backend.native.rawValue).fetchAll(db) })
        where !failedPools.contains(disk.poolName) {
            let name = KernelNames.volume(disk.id)
            do {
                let wasActive = try deviceMapper.info(name) != nil
                // A live device of its name must be a thin device of the disk's own pool.
                try nativePool(try pool(named: disk.poolName)).activateVolume(disk.id, thinId: disk.thinId, sizeBytes: disk.sizeBytes)
                if !wasActive { report.activated.append(name) }
                updateLink(for: disk)
            } catch {
                report.problems.append("disk \(disk.id) (\(disk.name)): \(Self.reason(error))")
            }
        }
        return report
    }

    /// Attaches a file-backed pool's files, activates the pool and its
    /// manifest device; returns the pool's device when it was not active.
    private func activatePool(_ record: PoolRecord) throws -> String? {
        var pool = record
        if let dataFile = pool.dataFile, let metadataFile = pool.metadataFile {
            for file in [dataFile, metadataFile] where try StateDirectory.requireOwnFile(file) == nil {
                throw SnapshotsError(.invalidPoolNotFound, "its file \(file) is missing")
            }
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
        let created = try native.activate()
        let device = ManifestDevice(pool: native)
        try device.activate(creating: true)
        if try !device.holdsManifest() {
            try catalog.write { [name = pool.name] db in try self.writeManifest(db, poolName: name) }
        }
        return created ? native.deviceName : nil
    }

    static func reason(_ error: any Error) -> String {
        (error as? SnapshotsError)?.message ?? String(describing: error)
    }
}
