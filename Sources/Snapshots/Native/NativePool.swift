import DeviceMapper
import Foundation

/// A pool dmsnap manages itself, as the kernel sees it: one thin-pool device and
/// the messages that change its metadata.
struct NativePool {
    let record: PoolRecord
    let deviceMapper: DeviceMapper

    var deviceName: String { KernelNames.pool(record) }

    /// Creates the pool device from the catalog's record when it is not active,
    /// and says whether it did. An active device of its name must be this
    /// pool's (`requireOwnDevice`).
    @discardableResult
    func activate() throws -> Bool {
        if try requireOwnDevice() { return false }
        let table = try ThinPoolTable(
            length: record.dataSectors,
            metadataDevice: DeviceReference(record.metadataDevice),
            dataDevice: DeviceReference(record.dataDevice),
            dataBlockSize: record.blockSizeSectors,
            lowWaterMark: record.lowWaterMarkBlocks)
        try deviceMapper.create(deviceName, uuid: KernelNames.poolUUID(record), table: [table.targetLine])
        return true
    }

    /// Whether the pool's device is active. A device of its name that is not
    /// this pool's (another UUID: made by hand, or by another program) is
    /// refused, naming it, rather than used: messages sent to it would change
    /// another pool, and disks mapped on it would show another pool's data.
    @discardableResult
    func requireOwnDevice() throws -> Bool {
        try adoptLegacyDevices()
        guard let info = try deviceMapper.info(deviceName) else { return false }
        let uuid = info.uuid ?? ""
        guard uuid == KernelNames.poolUUID(record) || (uuid == KernelNames.Legacy.poolUUID(record.name) && standsOnOwnDevices(deviceName)) else {
            throw SnapshotsError(.deviceInUse, """
                device-mapper device \(deviceName) is active but is not pool \(record.name)'s: its UUID is \
                \(uuid.isEmpty ? "empty" : uuid), where this pool's is \(KernelNames.poolUUID(record)) (identity \(record.poolId)); \
                dmsnap will not use it. Find out what made it (`dmsetup info \(deviceName)`, `dmsetup table \(deviceName)`) \
                and remove it, then run the command again
                """)
        }
        return true
    }

    /// Takes back the devices dmsnap made before pool identities, named by
    /// the pool's name alone (`KernelNames.Legacy`), by renaming them to this
    /// pool's names. The kernel keeps a device's UUID for its life, so the
    /// pool's device keeps the old one until it is next created (at boot).
    /// Only a device that stands on this pool's own data and metadata devices
    /// is taken: another state directory's pool of the same name is left alone.
    func adoptLegacyDevices() throws {
        let legacy = KernelNames.Legacy.pool(record.name)
        guard !record.poolId.isEmpty, try deviceMapper.info(deviceName) == nil, let info = try deviceMapper.info(legacy),
              info.uuid == KernelNames.Legacy.poolUUID(record.name), standsOnOwnDevices(legacy) else { return }
        try deviceMapper.rename(legacy, to: deviceName)
        let manifest = KernelNames.Legacy.manifest(record.name)
        if try deviceMapper.info(manifest)?.uuid == KernelNames.Legacy.manifestUUID(record.name), try standsOnThisPool(manifest) {
            try deviceMapper.rename(manifest, to: KernelNames.manifest(record))
        }
    }

    /// Whether `device`'s thin-pool table stands on the record's metadata and data devices.
    private func standsOnOwnDevices(_ device: String) -> Bool {
        guard let line = try? deviceMapper.table(device).first, line.type == "thin-pool" else { return false }
        let arguments = line.parameters.split(separator: " ")
        guard arguments.count >= 2 else { return false }
        return DeviceNumber(arguments[0]) == Self.number(of: record.metadataDevice)
            && DeviceNumber(arguments[1]) == Self.number(of: record.dataDevice)
    }

    /// Whether `device` is a thin device of this pool's active device.
    func standsOnThisPool(_ device: String) throws -> Bool {
        guard let pool = try deviceMapper.info(deviceName), let line = try deviceMapper.table(device).first,
              line.type == "thin" else { return false }
        return line.parameters.split(separator: " ").first.flatMap { DeviceNumber($0) } == pool.number
    }

    private static func number(of path: String) -> DeviceNumber? {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFBLK else { return nil }
        return DeviceNumber(rawDevice: UInt64(status.st_rdev))
    }

    func status() throws -> ThinPoolStatus {
        try deviceMapper.thinPoolStatus(deviceName)
    }

    /// The transaction id in the kernel: the commit point of every operation.
    func transactionId() throws -> UInt64 {
        let status = try status()
        guard let details = status.details else {
            throw SnapshotsError(.kernel, "pool \(record.name) is in \(status.mode) mode; run thin_check on its metadata")
        }
        return details.transactionID
    }

    /// Refuses to add to a pool that cannot take it, saying what the kernel
    /// reports and what to do. Deleting stays allowed: it frees space.
    func requireWritable() throws {
        let status = try status()
        let name = record.name
        switch status.mode {
        case .readWrite: break
        case .outOfDataSpace:
            throw SnapshotsError(.insufficientSpace, """
                pool \(name) is out of data space (the kernel reports out_of_data_space): writes to new blocks \
                wait or fail; grow its data device, or delete snapshots or disks to free blocks, then retry
                """)
        case .readOnly where status.details?.isOutOfMetadataSpace == true:
            let metadata = status.details!.metadata
            throw SnapshotsError(.insufficientSpace, """
                pool \(name) is out of metadata space (\(metadata.used) of \(metadata.total) metadata blocks of 4 KiB \
                in use, the kernel's reserve included), so the kernel made it read-only: no snapshot, disk or \
                deletion can be recorded. Grow its metadata device (\(record.metadataDevice)\(record.metadataFile.map { ", on the file \($0)" } ?? "")), \
                then suspend and resume the pool (dmsetup suspend \(deviceName); dmsetup resume \(deviceName)); the \
                kernel takes it back to read-write
                """)
        case .readOnly:
            throw SnapshotsError(.poolInUse, """
                pool \(name) is read-only (the kernel stopped metadata changes: a metadata I/O error, a full \
                metadata device, or the read_only feature); see `dmsnap pool status \(name)`, and check its \
                metadata with thin_check before it is used again
                """)
        case .failed:
            throw SnapshotsError(.poolInUse, """
                pool \(name) has failed (the kernel fails all its I/O); deactivate it and check its metadata \
                with thin_check
                """)
        }
        if status.details?.needsCheck == true {
            throw SnapshotsError(.poolInUse, "pool \(name) needs a metadata check: the kernel set needs_check; run thin_check on its metadata")
        }
    }

    func send(_ message: ThinPoolMessage) throws {
        try deviceMapper.send(message, toPool: deviceName)
    }

    /// Moves the transaction id from `old` to `old + 1`: the operation is committed.
    func commit(from old: UInt64) throws {
        try send(.setTransactionID(old: old, new: old + 1))
    }

    /// Activates thin device `id` as `/dev/mapper/<name>` when it is not active.
    func activateVolume(_ id: String, thinId: UInt32, sizeBytes: UInt64, readOnly: Bool = false) throws {
        try activateThin(KernelNames.volume(id), uuid: KernelNames.volumeUUID(id), thinId: thinId,
                         sizeBytes: sizeBytes, readOnly: readOnly)
    }

    /// Activates thin device `thinId` as `/dev/mapper/<name>` when no device
    /// has that name. One that has it must be a thin device of this pool: a
    /// disk of this catalog is never left mapped on another pool.
    func activateThin(_ name: String, uuid: String, thinId: UInt32, sizeBytes: UInt64, readOnly: Bool = false) throws {
        if try deviceMapper.info(name) != nil {
            guard try standsOnThisPool(name) else {
                throw SnapshotsError(.deviceInUse, """
                    device-mapper device \(name) is active but is not a thin device of pool \(record.name) (\(deviceName)); dmsnap will not use it. Find out what made it (`dmsetup table \(name)`) and remove it, then run the command again
                    """)
            }
            return
        }
        let table = try ThinVolumeTable(length: sizeBytes / 512, pool: DeviceReference("/dev/mapper/\(deviceName)"),
                                        id: ThinDeviceID(thinId))
        try deviceMapper.create(name, uuid: uuid, table: [table.targetLine], readOnly: readOnly)
    }

    /// Removes `/dev/mapper/<name>` when it is active.
    func deactivateVolume(_ id: String) throws {
        let name = KernelNames.volume(id)
        if try deviceMapper.info(name) != nil { try deviceMapper.remove(name) }
    }

    /// Removes the scratch device of a disk's rollback from a repository, when active.
    func deactivateScratch(ofDisk diskId: String) throws {
        let name = KernelNames.resetScratch(diskId)
        if try deviceMapper.info(name) != nil { try deviceMapper.remove(name) }
    }

    /// Points an active volume at another thin device (rollback): load, suspend, resume.
    func retarget(_ id: String, toThinId thinId: UInt32, sizeBytes: UInt64) throws {
        let table = try ThinVolumeTable(length: sizeBytes / 512, pool: DeviceReference("/dev/mapper/\(deviceName)"),
                                        id: ThinDeviceID(thinId))
        try deviceMapper.reload(KernelNames.volume(id), table: [table.targetLine])
    }

    /// Deletes thin device `thinId`, treating "no such device" as already done,
    /// so recovery can repeat it.
    func deleteThin(_ thinId: UInt32) throws {
        do {
            try send(.delete(ThinDeviceID(thinId)))
        } catch let error as DeviceMapperError where error.kind == .noSuchDevice || error.message.contains("No data") || error.errno == ENODATA {
            return
        }
    }
}
