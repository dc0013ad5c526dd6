import DeviceMapper
import Foundation
import GRDB

/// What `pool list` and `pool status` show.
public struct PoolReport: Sendable {
    public let record: PoolRecord
    public let status: ThinPoolStatus?
    public let diskCount: Int
    public let snapshotCount: Int
}

extension SnapshotService {
    public static let defaultBlockSizeSectors: UInt64 = 128  // 64 KiB

    /// Creates a pool on two block devices the user names. Devices that hold
    /// data (a filesystem, partition table or PV) or are in use are refused unless `force`.
    public func createPool(name: String, dataDevice: String, metadataDevice: String,
                           blockSizeSectors: UInt64 = defaultBlockSizeSectors, lowWaterMarkBlocks: UInt64? = nil,
                           force: Bool = false) throws -> PoolRecord {
        try Validation.requirePoolName(name)
        let data = try BlockDevice(path: dataDevice)
        let metadata = try BlockDevice(path: metadataDevice)
        guard data.number != metadata.number else {
            throw SnapshotsError(.invalidParameter, "the data and metadata devices are the same device (\(data.number))")
        }
        try Self.requireLowWaterMark(lowWaterMarkBlocks, dataBytes: data.sizeBytes, blockSizeSectors: blockSizeSectors)
        for device in [data, metadata] {
            switch device.use() {
            case .busy(let reason):
                throw SnapshotsError(.deviceInUse, reason)
            case .signature(let reason) where !force:
                throw SnapshotsError(.deviceInUse, reason + "; pass --force to overwrite it")
            case .signature, nil:
                break
            }
        }
        return try mutating {
            try requireNewPool(name)
            // A fresh pool needs the metadata superblock zeroed.
            try ExternalCommand.run("wipefs", ["--all", "--quiet", "--", metadata.path])
            try zeroHead(of: metadata.path)
            return try insertAndActivatePool(PoolRecord(
                name: name, dataDevice: data.path, metadataDevice: metadata.path, dataFile: nil, metadataFile: nil,
                blockSizeSectors: blockSizeSectors,
                lowWaterMarkBlocks: lowWaterMarkBlocks ?? Self.defaultLowWaterMark(dataBytes: data.sizeBytes, blockSizeSectors: blockSizeSectors),
                dataSectors: data.sizeBytes / 512, transactionId: 0, nextThinId: 0, createdAt: Date()))
        }
    }

    /// Creates a pool on sparse files in the state directory, on loop devices,
    /// so dmsnap can be tried without spare disks.
    public func createFileBackedPool(name: String, sizeBytes: UInt64, blockSizeSectors: UInt64 = defaultBlockSizeSectors,
                                     lowWaterMarkBlocks: UInt64? = nil) throws -> PoolRecord {
        try Validation.requirePoolName(name)
        let blockBytes = blockSizeSectors * 512
        guard sizeBytes >= 16 * blockBytes, sizeBytes <= 1 << 50 else {
            throw SnapshotsError(.invalidParameter, "a file-backed pool must be between \(16 * blockBytes) bytes and 1 PiB")
        }
        try Self.requireLowWaterMark(lowWaterMarkBlocks, dataBytes: sizeBytes, blockSizeSectors: blockSizeSectors)
        return try mutating {
            try requireNewPool(name)
            let directory = "\(stateDirectory)/pools/\(name)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            // thin_metadata_size's rule: 64 bytes per block, doubled for snapshots, at least 16 MiB.
            let metadataBytes = max(16 << 20, (sizeBytes / blockBytes) * 128)
            let dataFile = "\(directory)/data.img", metadataFile = "\(directory)/metadata.img"
            try LoopDevice.createSparseFile(dataFile, sizeBytes: sizeBytes)
            try LoopDevice.createSparseFile(metadataFile, sizeBytes: metadataBytes)
            let dataLoop = try LoopDevice.attach(file: dataFile)
            let metadataLoop = try LoopDevice.attach(file: metadataFile)
            return try insertAndActivatePool(PoolRecord(
                name: name, dataDevice: dataLoop, metadataDevice: metadataLoop, dataFile: dataFile, metadataFile: metadataFile,
                blockSizeSectors: blockSizeSectors,
                lowWaterMarkBlocks: lowWaterMarkBlocks ?? Self.defaultLowWaterMark(dataBytes: sizeBytes, blockSizeSectors: blockSizeSectors),
                dataSectors: sizeBytes / 512, transactionId: 0, nextThinId: 0, createdAt: Date()))
        }
    }

    /// The kernel takes any low water mark; one at or above the pool's data
    /// blocks would raise the event from the start.
    static func requireLowWaterMark(_ blocks: UInt64?, dataBytes: UInt64, blockSizeSectors: UInt64) throws {
        let dataBlocks = dataBytes / (blockSizeSectors * 512)
        if let blocks, blocks >= dataBlocks {
            throw SnapshotsError(.invalidParameter, "the low water mark (\(blocks) blocks) must be below the pool's \(dataBlocks) data blocks")
        }
    }

    public func listPools() throws -> [PoolReport] {
        let pools = try catalog.read { db in try PoolRecord.order(Column("name")).fetchAll(db) }
        return try pools.map { record in
            let counts = try catalog.read { db in
                (try DiskRecord.filter(Column("poolName") == record.name).fetchCount(db),
                 try SnapshotRecord.filter(Column("poolName") == record.name).fetchCount(db))
            }
            let status = try? nativePool(record).status()
            return PoolReport(record: record, status: status, diskCount: counts.0, snapshotCount: counts.1)
        }
    }

    /// Deletes an empty pool: its device, and for a file-backed pool its loop devices and files.
    public func deletePool(name: String) throws {
        try mutating {
            let record = try pool(named: name)
            let (disks, snapshots) = try catalog.read { db in
                (try DiskRecord.filter(Column("poolName") == name).fetchCount(db),
                 try SnapshotRecord.filter(Column("poolName") == name).fetchCount(db))
            }
            guard disks == 0, snapshots == 0 else {
                throw SnapshotsError(.poolInUse, "pool \(name) still has \(disks) disk(s) and \(snapshots) snapshot(s); delete them first")
            }
            let deviceName = KernelNames.pool(name)
            if try deviceMapper.info(deviceName) != nil {
                try ManifestDevice(pool: nativePool(record)).delete()
                try deviceMapper.remove(deviceName)
            }
            if let dataFile = record.dataFile, let metadataFile = record.metadataFile {
                for file in [dataFile, metadataFile] {
                    try LoopDevice.detach(file: file)
                    try? FileManager.default.removeItem(atPath: file)
                }
                try? FileManager.default.removeItem(atPath: "\(stateDirectory)/pools/\(name)")
            }
            _ = try catalog.write { db in try PoolRecord.deleteOne(db, key: name) }
        }
    }

    /// The pool to use when the caller names none: the only one.
    func defaultPool(_ name: String?) throws -> PoolRecord {
        if let name { return try pool(named: name) }
        let pools = try catalog.read { db in try PoolRecord.fetchAll(db) }
        guard pools.count == 1, let only = pools.first else {
            throw SnapshotsError(pools.isEmpty ? .invalidPoolNotFound : .missingParameter,
                                 pools.isEmpty ? "there is no pool yet; create one with `dmsnap pool create`"
                                               : "there are \(pools.count) pools; name one with --PoolName")
        }
        return only
    }

    private func requireNewPool(_ name: String) throws {
        if try catalog.read({ db in try PoolRecord.fetchOne(db, key: name) }) != nil {
            throw SnapshotsError(.alreadyExists, "a pool named \(name) already exists")
        }
        if try deviceMapper.info(KernelNames.pool(name)) != nil {
            throw SnapshotsError(.alreadyExists, "device-mapper already has a device \(KernelNames.pool(name))")
        }
    }

    private func insertAndActivatePool(_ record: PoolRecord) throws -> PoolRecord {
        try nativePool(record).activate()
        try catalog.write { db in
            try record.insert(db)
            try self.writeManifest(db, poolName: record.name)
        }
        return record
    }

    private func zeroHead(of path: String) throws {
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw SnapshotsError(.deviceInUse, "cannot open \(path) for writing")
        }
        defer { try? handle.close() }
        try handle.write(contentsOf: Data(count: 1 << 20))
        try handle.synchronize()
    }

    /// A dm event fires when free blocks fall below this: 1% of the pool, at least 16 blocks.
    static func defaultLowWaterMark(dataBytes: UInt64, blockSizeSectors: UInt64) -> UInt64 {
        max(16, dataBytes / (blockSizeSectors * 512) / 100)
    }
}
