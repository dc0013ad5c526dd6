import DeviceMapper
import Foundation
import LVM

/// The bytes of a snapshot's thin device a copy must read: every mapped block
/// for a full copy, or the blocks changed since a base snapshot of the same
/// disk for an incremental one.
public struct BlockMap: Sendable, Equatable {
    /// Sorted, merged, within `volumeSizeBytes`.
    public var ranges: [ByteRange]
    /// The bytes `ranges` cover.
    public var totalBytes: UInt64
    /// The snapshot's size: reading past it is never needed.
    public var volumeSizeBytes: UInt64
    /// The pool's data block size: the unit in which ranges were found.
    public var blockSizeBytes: UInt64
    /// The snapshot the ranges are relative to; nil for a full map.
    public var baseSnapshotId: String?
}

extension SnapshotService {
    /// What a copy of `snapshotId` must read: with `baseSnapshotId` (an earlier
    /// snapshot of the same disk, still present locally) only what changed
    /// since it, otherwise every mapped block. Holds the operation lock (after
    /// recovery, which releases a metadata snapshot a killed scan left) and the
    /// pool's metadata snapshot only for the scan.
    public func blockMap(of snapshotId: String, base baseSnapshotId: String? = nil) throws -> BlockMap {
        try mutating { try blockMapLocked(of: snapshotId, base: baseSnapshotId) }
    }

    /// `blockMap(of:base:)` for a caller that already holds the operation lock.
    public func blockMapLocked(of snapshotId: String, base baseSnapshotId: String? = nil) throws -> BlockMap {
        let target = try snapshot(snapshotId)
        let base = try baseSnapshotId.map { try snapshot($0) }
        if let base { try Self.requireUsableBase(base, for: target) }
        for record in [target] + (base.map { [$0] } ?? []) {
            if record.missingSince != nil {
                throw SnapshotsError(.incorrectSnapshotStatus, "snapshot \(record.id) is missing: its thin device is gone, so no block map can be read")
            }
            try requireLocalDevice(record)
        }
        _ = try ThinToolsVersion.requireTrustworthy()
        let (pool, thinIds) = try scanTarget(target, base: base)
        let lease = MetadataSnapshotLease(pool: pool, stateDirectory: stateDirectory, deviceMapper: deviceMapper)
        let map = try lease.holding { () throws -> ThinMetadataXML in
            if let baseThinId = thinIds.base {
                return try runTool("thin_delta", ["-m", "--snap1", String(baseThinId), "--snap2", String(thinIds.target),
                                                  pool.metadataDevice], pool: pool, reading: ThinMetadataXML.changes)
            }
            return try runTool("thin_dump", ["-m", "--dev-id", String(thinIds.target), pool.metadataDevice], pool: pool) { fd in
                try ThinMetadataXML.mappings(ofDevice: thinIds.target, readingFrom: fd)
            }
        }
        let ranges = map.byteRanges(clampedTo: target.sourceDiskSizeBytes)
        return BlockMap(ranges: ranges, totalBytes: ranges.totalBytes, volumeSizeBytes: target.sourceDiskSizeBytes,
                        blockSizeBytes: map.dataBlockSectors * 512, baseSnapshotId: base?.id)
    }

    private static func requireUsableBase(_ base: SnapshotRecord, for target: SnapshotRecord) throws {
        guard base.id != target.id else {
            throw SnapshotsError(.invalidParameter, "snapshot \(target.id) cannot be its own base")
        }
        guard base.diskId == target.diskId, base.poolName == target.poolName, base.backend == target.backend else {
            throw SnapshotsError(.invalidParameter, """
                snapshot \(base.id) (of disk \(base.diskId)) cannot be the base of snapshot \(target.id) (of disk \
                \(target.diskId)): an incremental map needs an earlier snapshot of the same disk in the same pool
                """)
        }
    }

    /// The pool's devices and the thin ids of the target and base in it.
    private func scanTarget(_ target: SnapshotRecord, base: SnapshotRecord?)
        throws -> (MetadataSnapshotLease.Pool, (target: UInt32, base: UInt32?)) {
        if target.backend == .native {
            let record = try pool(named: target.poolName)
            try nativePool(record).activate()
            let pool = MetadataSnapshotLease.Pool(name: record.name, poolDevice: KernelNames.pool(record),
                                                  metadataDevice: record.metadataDevice)
            return (pool, (target.thinId, base?.thinId))
        }
        // Discovery, under the operation lock: a snapshot made on the fast path has no LV UUID in the catalog yet.
        let inventory = try withLVM { session in try discoverLVM(session) }
        func thinVolume(_ record: SnapshotRecord) throws -> (volume: LogicalVolume, thinId: UInt32, pool: String) {
            let volume = inventory.volumes.first { $0.uuid == record.lvUuid }
                ?? inventory.volumes.first { LVMInventory.taggedID($0, kind: .snapshot) == record.id }
            guard let volume, let id = volume.thinID, let pool = volume.pool else {
                throw SnapshotsError(.incorrectSnapshotStatus, "snapshot \(record.id) has no thin LV in LVM (lvs shows no thin_id for it)")
            }
            return (volume, id, pool)
        }
        let found = try thinVolume(target)
        let baseId = try base.map { try thinVolume($0).thinId }
        let volumeGroup = found.volume.volumeGroup, poolName = found.pool, targetId = found.thinId
        let poolDevice = LVMKernelView.deviceName(volumeGroup: volumeGroup, logicalVolume: poolName, layer: "tpool")
        let metadataName = LVMKernelView.deviceName(volumeGroup: volumeGroup, logicalVolume: "\(poolName)_tmeta")
        for device in [poolDevice, metadataName] where try deviceMapper.info(device) == nil {
            throw SnapshotsError(.incorrectSnapshotStatus, """
                LVM thin pool \(volumeGroup)/\(poolName) is not active (no device \(device)); activate one of \
                its thin volumes (lvchange -ay) to read snapshot \(target.id)'s block map
                """)
        }
        let pool = MetadataSnapshotLease.Pool(name: "\(volumeGroup)/\(poolName)", poolDevice: poolDevice,
                                              metadataDevice: "/dev/mapper/\(metadataName)")
        return (pool, (targetId, baseId))
    }

    private func runTool(_ tool: String, _ arguments: [String], pool: MetadataSnapshotLease.Pool,
                         reading read: (Int32) throws -> ThinMetadataXML) throws -> ThinMetadataXML {
        // The device path is the only argument not made here: it must not read as an option.
        guard pool.metadataDevice.hasPrefix("/") else {
            throw SnapshotsError(.internalError, "pool \(pool.name)'s metadata device \(Validation.shown(pool.metadataDevice)) is not an absolute path")
        }
        do {
            return try ExternalCommand.run(tool, arguments, readingOutput: read)
        } catch let error as SnapshotsError {
            throw SnapshotsError(error.code, "pool \(pool.name) (metadata \(pool.metadataDevice)): \(error.message)")
        } catch {
            throw SnapshotsError(.kernel, "cannot read the block map of pool \(pool.name) (metadata \(pool.metadataDevice)): \(error)")
        }
    }
}
