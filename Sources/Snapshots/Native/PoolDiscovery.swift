import DeviceMapper
import Foundation

/// Native pools found without the catalog, for `recover --rebuild`: every
/// device-mapper device with dmsnap's pool UUID, and every file-backed pool
/// whose files are in the state directory (put on loop devices and activated
/// first when a reboot took its devices). A pool on block devices that is not
/// active cannot be found: nothing marks those devices as dmsnap's.
///
/// The records carry what the kernel and the files say; the manifest adds
/// the rest (creation time, the thin-id counter).
struct PoolDiscovery {
    let stateDirectory: String
    let deviceMapper: DeviceMapper

    /// The pools found, the problems met, and the kernel names of the pools
    /// this call activated (which a rebuild that does not take them removes again).
    func pools() throws -> (found: [PoolRecord], problems: [String], activated: Set<String>) {
        var found: [PoolRecord] = []
        var problems: [String] = []
        var activated = Set<String>()
        for device in try deviceMapper.list() {
            guard let uuid = try deviceMapper.info(device.name)?.uuid, let (poolId, name) = Self.identity(uuid: uuid, device: device.name) else { continue }
            do {
                try Validation.requirePoolName(name)
                found.append(try activePool(name, poolId: poolId, device: device.name))
            } catch {
                problems.append("pool device \(device.name): \(error)")
            }
        }
        let backed = Set(found.compactMap(\.dataFile))
        let (names, unusable) = filePoolNames()
        problems += unusable
        for name in names where !backed.contains(filePoolFiles(name).data) {
            do {
                let pool = try reactivateFilePool(name)
                found.append(pool)
                activated.insert(pool.kernelName)
            } catch {
                problems.append("file-backed pool \(name) in \(stateDirectory)/pools/\(name): \(error)")
            }
        }
        return (found.sorted { $0.name < $1.name }, problems, activated)
    }

    /// The identity and name a pool device's UUID carries. A device made
    /// before identities (`DMSNAP-POOL-NAME`) has none: "" until a rebuild
    /// takes it, unless it was already renamed to carry one (`dmsnap-pool-NAME-ID`).
    static func identity(uuid: String, device: String) -> (poolId: String, name: String)? {
        if let parsed = KernelNames.parsePoolUUID(uuid) { return parsed }
        guard uuid.hasPrefix(KernelNames.Legacy.poolUUIDPrefix) else { return nil }
        let name = String(uuid.dropFirst(KernelNames.Legacy.poolUUIDPrefix.count))
        let renamedPrefix = KernelNames.Legacy.pool(name) + "-"
        if device.hasPrefix(renamedPrefix), PoolRecord.isPoolId(String(device.dropFirst(renamedPrefix.count))) {
            return (String(device.dropFirst(renamedPrefix.count)), name)
        }
        return ("", name)
    }

    /// The pool as its live table describes it: `METADATA DATA BLOCK_SIZE LOW_WATER_MARK …`.
    private func activePool(_ name: String, poolId: String, device: String) throws -> PoolRecord {
        guard let line = try deviceMapper.table(device).first, line.type == "thin-pool" else {
            throw SnapshotsError(.kernel, "\(device) carries dmsnap's pool UUID but is not a thin-pool")
        }
        let arguments = line.parameters.split(separator: " ")
        guard arguments.count >= 4, let metadata = DeviceNumber(arguments[0]), let data = DeviceNumber(arguments[1]),
              let blockSize = UInt64(arguments[2]), let lowWaterMark = UInt64(arguments[3]) else {
            throw SnapshotsError(.kernel, "cannot read the thin-pool table of \(device): \(line.parameters)")
        }
        let files = filePoolFiles(name)
        let backed = backingFile(of: data) == files.data && backingFile(of: metadata) == files.metadata
        var pool = record(name, data: try devicePath(data), metadata: try devicePath(metadata),
                          files: backed ? files : nil, blockSize: blockSize, lowWaterMark: lowWaterMark, dataSectors: line.length)
        pool.poolId = poolId
        return pool
    }

    /// Puts a file-backed pool's files on loop devices and activates the pool.
    private func reactivateFilePool(_ name: String) throws -> PoolRecord {
        let files = filePoolFiles(name)
        let blockSize = try ThinSuperblock.dataBlockSize(ofMetadataFile: files.metadata)
        let dataBytes = try FileManager.default.attributesOfItem(atPath: files.data)[.size] as? UInt64 ?? 0
        var pool = record(name, data: try LoopDevice.attach(file: files.data), metadata: try LoopDevice.attach(file: files.metadata),
                          files: files, blockSize: blockSize,
                          lowWaterMark: SnapshotService.defaultLowWaterMark(dataBytes: dataBytes, blockSizeSectors: blockSize),
                          dataSectors: dataBytes / 512)
        // A new identity: nothing live carries one for it.
        pool.poolId = PoolRecord.newPoolId()
        try NativePool(record: pool, deviceMapper: deviceMapper).activate()
        return pool
    }

    private func record(_ name: String, data: String, metadata: String, files: (data: String, metadata: String)?,
                        blockSize: UInt64, lowWaterMark: UInt64, dataSectors: UInt64) -> PoolRecord {
        PoolRecord(name: name, dataDevice: data, metadataDevice: metadata, dataFile: files?.data, metadataFile: files?.metadata,
                   blockSizeSectors: blockSize, lowWaterMarkBlocks: lowWaterMark, dataSectors: dataSectors,
                   transactionId: 0, nextThinId: 0, createdAt: Date())
    }

    /// Pools whose two files `pool create --file-backed` made are both there,
    /// and what in `pools` cannot be used: no link there is followed (one
    /// could lead to another state directory's pool files).
    private func filePoolNames() -> (names: [String], problems: [String]) {
        let pools = "\(stateDirectory)/pools"
        var status = stat()
        guard lstat(pools, &status) == 0 else { return ([], []) }
        do {
            try StateDirectory.requirePrivateDirectory(pools) { StateDirectoryError(file: pools, reason: $0) }
        } catch {
            return ([], ["\(error)"])
        }
        var names: [String] = [], problems: [String] = []
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: pools)) ?? []).sorted() {
            let files = filePoolFiles(name)
            do {
                try Validation.requirePoolName(name)
                try StateDirectory.requirePrivateDirectory("\(pools)/\(name)") { StateDirectoryError(file: "\(pools)/\(name)", reason: $0) }
                guard try StateDirectory.requireOwnFile(files.data) != nil, try StateDirectory.requireOwnFile(files.metadata) != nil else { continue }
                names.append(name)
            } catch {
                problems.append("\(error)")
            }
        }
        return (names, problems)
    }

    private func filePoolFiles(_ name: String) -> (data: String, metadata: String) {
        ("\(stateDirectory)/pools/\(name)/data.img", "\(stateDirectory)/pools/\(name)/metadata.img")
    }

    /// /dev/NAME of a block device, from its uevent in sysfs.
    private func devicePath(_ number: DeviceNumber) throws -> String {
        let uevent = (try? String(contentsOfFile: "/sys/dev/block/\(number)/uevent", encoding: .utf8)) ?? ""
        guard let line = uevent.split(separator: "\n").first(where: { $0.hasPrefix("DEVNAME=") }) else {
            throw SnapshotsError(.kernel, "block device \(number) has no name in /sys/dev/block/\(number)/uevent")
        }
        return "/dev/" + line.dropFirst("DEVNAME=".count)
    }

    /// The file under a loop device, or nil for any other device.
    private func backingFile(of number: DeviceNumber) -> String? {
        (try? String(contentsOfFile: "/sys/dev/block/\(number)/loop/backing_file", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The few fields of dm-thin's metadata superblock (`struct thin_disk_superblock`
/// in drivers/md/dm-thin-metadata.c) that re-creating a pool's table needs.
enum ThinSuperblock {
    static let magic: UInt64 = 27_022_010

    static func dataBlockSize(ofMetadataFile path: String) throws -> UInt64 {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SnapshotsError(.kernel, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        return try dataBlockSize(of: [UInt8](try handle.read(upToCount: 512) ?? Data()), path: path)
    }

    /// magic: le64 at 32; data_block_size: le32 at 336, in sectors.
    static func dataBlockSize(of block: [UInt8], path: String) throws -> UInt64 {
        func field(_ offset: Int, _ count: Int) -> UInt64 {
            block[offset..<offset + count].reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
        guard block.count >= 340, field(32, 8) == magic else {
            throw SnapshotsError(.kernel, "\(path) does not start with a thin-pool metadata superblock")
        }
        return field(336, 4)
    }
}
