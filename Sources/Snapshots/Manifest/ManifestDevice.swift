import DeviceMapper
import Foundation

/// The small thin device in every native pool that holds the pool's manifest
/// (`PoolManifest`) in two slots (`ManifestSlot`).
///
/// It is active as /dev/mapper/dmsnap-manifest-POOL-ID whenever dmsnap has the
/// pool active (made by `pool create` and `activate`, or by the first write to
/// a pool made before dmsnap kept manifests), so recording a change costs one
/// small O_DIRECT write and an fsync, never a device-mapper create or remove.
struct ManifestDevice {
    /// dm-thin's highest device id. dmsnap hands thin ids out upward from 0
    /// (`PoolRecord.nextThinId`) and stops below this one, so no disk or
    /// snapshot can ever be given it, in a new pool or an old one.
    static let thinId: UInt32 = ThinDeviceID.range.upperBound
    /// Two slots of 4 MiB, room for some ten thousand records; the pool
    /// provisions only the blocks written (one or two 64 KiB blocks for a
    /// pool with a few dozen records).
    static let sizeBytes: UInt64 = 8 << 20
    static let slotCapacity = Int(sizeBytes / 2)
    /// How much of a slot a write or a check holds at once (whole blocks).
    static let chunk = 256 << 10

    let pool: NativePool

    var name: String { KernelNames.manifest(pool.record) }
    var path: String { "/dev/mapper/\(name)" }

    /// Activates the manifest device. With `creating`, first makes its thin
    /// device when the pool has none; create_thin changes no transaction id,
    /// and repeating it finds the device there (EEXIST), so it needs no intent.
    func activate(creating: Bool) throws {
        if creating, try pool.deviceMapper.info(name) == nil {
            do {
                try pool.send(.createThin(ThinDeviceID(Self.thinId)))
            } catch let error as DeviceMapperError where error.errno == EEXIST || error.kind == .deviceExists {
                // Made by an earlier run; `write` checks that it holds a manifest before overwriting it.
            }
        }
        // An active device of its name must be a thin device of this pool.
        try pool.activateThin(name, uuid: KernelNames.manifestUUID(pool.record), thinId: Self.thinId, sizeBytes: Self.sizeBytes)
    }

    /// Removes the device and deletes its thin device, for `pool delete`: a
    /// deleted pool has nothing left to describe.
    func delete() throws {
        if try pool.deviceMapper.info(name) != nil { try pool.deviceMapper.remove(name) }
        try pool.deleteThin(Self.thinId)
    }

    /// What both slots hold. The device must be active.
    func read() throws -> [ManifestSlot.Content] {
        try withFile(writable: false, activating: false, "read") { file in
            try Self.slotBytes(of: file).map { ManifestSlot.decode($0, capacity: Self.slotCapacity) }
        }
    }

    /// Whether a slot holds an intact manifest, by its checksum alone: no
    /// record is parsed, so a pool of thousands of snapshots costs a CRC.
    func holdsManifest() throws -> Bool {
        try withFile(writable: false, activating: false, "check") { file in
            ManifestSlot.newest(try Self.checkedSlots(of: file)) != nil
        }
    }

    /// Writes the manifest of `records` with the next generation into the slot
    /// that does not hold the newest one, and returns once it is durable. The
    /// slots are read first, so the generation and the slot come from the
    /// device itself and never from a catalog that may have been restored from
    /// a backup; their checksums tell which is intact, without parsing their records.
    func write(_ records: some ManifestRecords) throws {
        try withFile(writable: true, activating: true, "write") { file in
            let slots = try Self.checkedSlots(of: file)
            let newest = ManifestSlot.newest(slots)
            if newest == nil, slots.contains(.foreign) {
                throw SnapshotsError(.kernel, """
                    thin device \(Self.thinId) of pool \(pool.record.name) (\(path)) holds data that is not a dmsnap \
                    manifest, so dmsnap will not write the pool's manifest over it; the thin id is reserved for \
                    dmsnap's manifest: move that data elsewhere and delete the thin device
                    """)
            }
            let image = try ManifestSlot.image(records, generation: (newest?.generation ?? 0) + 1, capacity: Self.slotCapacity)
            let slot = (newest.map { 1 - $0.index } ?? 0) * Self.slotCapacity
            for offset in stride(from: 0, to: image.count, by: Self.chunk) {
                try file.write(image.bytes(in: offset..<min(offset + Self.chunk, image.count)), at: slot + offset)
            }
            try file.sync()
        }
    }

    private static func checkedSlots(of file: DirectFile) throws(DirectFileError) -> [ManifestSlot.Checked] {
        try (0..<2).map { (index: Int) throws(DirectFileError) in
            try ManifestSlot.check(capacity: slotCapacity, chunk: chunk) { (offset, count) throws(DirectFileError) in
                try file.read(count: count, at: index * slotCapacity + offset)
            }
        }
    }

    private static func slotBytes(of file: DirectFile) throws(DirectFileError) -> [[UInt8]] {
        try (0..<2).map { (index: Int) throws(DirectFileError) -> [UInt8] in
            let offset = index * slotCapacity
            var bytes = try file.read(count: ManifestSlot.blockSize, at: offset)
            let span = ManifestSlot.span(firstBlock: bytes[...], capacity: slotCapacity)
            if span > bytes.count {
                bytes += try file.read(count: span - bytes.count, at: offset + bytes.count)
            }
            return bytes
        }
    }

    /// Opens the device, activating it first when it is not there and
    /// `activating`; an I/O failure becomes an error naming the pool and device.
    private func withFile<T>(writable: Bool, activating: Bool, _ what: String, _ body: (DirectFile) throws -> T) throws -> T {
        do {
            if activating, try pool.deviceMapper.info(name) == nil { try activate(creating: true) }
            let file = try DirectFile(path: path, writable: writable)
            defer { file.close() }
            return try body(file)
        } catch let error as DirectFileError {
            throw SnapshotsError(.kernel, "cannot \(what) the manifest of pool \(pool.record.name): \(error)")
        }
    }
}
