import DeviceMapper
import Foundation
import GRDB

/// `pool create`, under an intent like every other verb: the intent (with the
/// pool's identity and files) is written before anything is made, a failure
/// removes what was made, and a kill is undone by `recover`. The pool exists
/// once its record is in the catalog, in the same transaction that drops the intent.
extension SnapshotService {
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
        let planned = PoolRecord(
            name: name, dataDevice: data.path, metadataDevice: metadata.path, dataFile: nil, metadataFile: nil,
            blockSizeSectors: blockSizeSectors,
            lowWaterMarkBlocks: lowWaterMarkBlocks ?? Self.defaultLowWaterMark(dataBytes: data.sizeBytes, blockSizeSectors: blockSizeSectors),
            dataSectors: data.sizeBytes / 512, transactionId: 0, nextThinId: 0, createdAt: Date(), poolId: PoolRecord.newPoolId())
        return try mutating {
            try createPool(planned) { _ in
                // A fresh pool needs the metadata superblock zeroed.
                try ExternalCommand.run("wipefs", ["--all", "--quiet", "--", metadata.path])
                try zeroHead(of: metadata.path)
            }
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
        // thin_metadata_size's rule: 64 bytes per block, doubled for snapshots, at least 16 MiB.
        let metadataBytes = max(16 << 20, (sizeBytes / blockBytes) * 128)
        try LoopDevice.requireFileSizeLimit(allows: max(sizeBytes, metadataBytes))
        let directory = "\(stateDirectory)/pools/\(name)"
        let planned = PoolRecord(
            name: name, dataDevice: "", metadataDevice: "", dataFile: "\(directory)/data.img", metadataFile: "\(directory)/metadata.img",
            blockSizeSectors: blockSizeSectors,
            lowWaterMarkBlocks: lowWaterMarkBlocks ?? Self.defaultLowWaterMark(dataBytes: sizeBytes, blockSizeSectors: blockSizeSectors),
            dataSectors: sizeBytes / 512, transactionId: 0, nextThinId: 0, createdAt: Date(), poolId: PoolRecord.newPoolId())
        return try mutating {
            // Files already there are not this run's to remove if it fails:
            // refused before the intent, which undoes everything in the directory.
            var status = stat()
            if lstat(directory, &status) == 0 {
                throw SnapshotsError(.alreadyExists, """
                    \(directory) already exists, though this catalog has no pool \(name): it may hold the files of a pool \
                    whose catalog was lost (`dmsnap recover --rebuild` in an empty state directory takes them back); \
                    otherwise remove it, then create the pool again
                    """)
            }
            return try createPool(planned) { record in
                try StateDirectory.makePrivateDirectory("\(stateDirectory)/pools", existing: true)
                try StateDirectory.makePrivateDirectory(directory, existing: false)
                try LoopDevice.createSparseFile(record.dataFile!, sizeBytes: sizeBytes)
                try LoopDevice.createSparseFile(record.metadataFile!, sizeBytes: metadataBytes)
                CrashPoint.reach("createPool.afterFiles")
                record.dataDevice = try LoopDevice.attach(file: record.dataFile!)
                record.metadataDevice = try LoopDevice.attach(file: record.metadataFile!)
            }
        }
    }

    /// The steps every pool creation shares, under the lock: the intent, the
    /// devices `prepare` makes, the pool device, then the record.
    private func createPool(_ planned: PoolRecord, prepare: (inout PoolRecord) throws -> Void) throws -> PoolRecord {
        if try catalog.read({ db in try PoolRecord.fetchOne(db, key: planned.name) }) != nil {
            throw SnapshotsError(.alreadyExists, "a pool named \(planned.name) already exists")
        }
        let intent = try catalog.write { db in
            var intent = IntentRecord(id: nil, operation: IntentOperation.createPool.rawValue, poolName: planned.name, transactionId: 0,
                                      payload: try JSONEncoder().encode(IntentPayload(id: planned.poolId, name: planned.name, pool: planned)),
                                      createdAt: Date())
            try intent.insert(db)
            return intent
        }
        CrashPoint.reach("createPool.afterIntent")
        do {
            var record = planned
            try prepare(&record)
            try nativePool(record).activate()
            CrashPoint.reach("createPool.afterActivate")
            try catalog.write { [record] db in
                try record.insert(db)
                try self.writeManifest(db, poolName: record.name)
                CrashPoint.reach("createPool.afterManifest")
                try intent.delete(db)
            }
            return record
        } catch {
            // What is left when this fails too stays under the intent, for recover.
            try? undoPoolCreation(planned, intent: intent)
            throw error
        }
    }

    /// Removes what an interrupted or failed `pool create` made: its manifest
    /// and pool devices (named by the identity it drew, so no other pool's),
    /// its loop devices and files, then the intent.
    func undoPoolCreation(_ planned: PoolRecord, intent: IntentRecord) throws {
        try withdrawPoolDevices(planned)
        if let dataFile = planned.dataFile, let metadataFile = planned.metadataFile {
            try removePoolFiles(data: dataFile, metadata: metadataFile)
        }
        _ = try catalog.write { db in try intent.delete(db) }
    }

    /// Removes the pool's manifest device and pool device when they are
    /// active and its own, leaving the thin devices in its metadata.
    func withdrawPoolDevices(_ pool: PoolRecord) throws {
        let native = nativePool(pool)
        guard try native.requireOwnDevice() else { return }
        let manifest = KernelNames.manifest(pool)
        if try deviceMapper.info(manifest) != nil, try native.standsOnThisPool(manifest) { try deviceMapper.remove(manifest) }
        try deviceMapper.remove(native.deviceName)
    }

    /// Detaches a file-backed pool's loop devices and removes its files and
    /// their directory; what is already gone is skipped, so it can be repeated.
    func removePoolFiles(data: String, metadata: String) throws {
        for file in [data, metadata] {
            try LoopDevice.detach(file: file)
            if unlink(file) != 0 && errno != ENOENT {
                throw SnapshotsError(.internalError, "cannot remove \(file): \(String(cString: strerror(errno)))")
            }
        }
        let directory = (data as NSString).deletingLastPathComponent
        if rmdir(directory) != 0 && errno != ENOENT {
            throw SnapshotsError(.internalError, "cannot remove \(directory): \(String(cString: strerror(errno)))")
        }
    }

    private func zeroHead(of path: String) throws {
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw SnapshotsError(.deviceInUse, "cannot open \(path) for writing")
        }
        defer { try? handle.close() }
        try handle.write(contentsOf: Data(count: 1 << 20))
        try handle.synchronize()
    }
}
