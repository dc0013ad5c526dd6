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
    /// Two slots of 1 GiB: room for well over 100,000 snapshots with names and
    /// descriptions of the longest (some 2 KiB of JSON each). A thin device
    /// costs only the blocks written, so the pool provisions what the
    /// manifest takes (one or two 64 KiB blocks for a few dozen records).
    static let slotCapacity = 1 << 30
    static let sizeBytes = UInt64(2 * slotCapacity)
    /// How much of a slot a check holds at once (whole blocks).
    static let chunk = 256 << 10

    /// Where slots are. Format 2's at 0 and 1 GiB; format 1's (dmsnap before
    /// 2026-12) at 0 and 4 MiB, 4 MiB each. A pool written in format 1 is read
    /// from either, and its first format-2 write goes to 1 GiB, which no
    /// format-1 slot reaches, so the newest format-1 manifest stays whole until
    /// a format-2 one is. Only a format-1 header counts at 4 MiB: that offset
    /// lies inside format 2's first slot, whose JSON payload can never hold
    /// one (it has NUL bytes, which JSON escapes).
    struct Location: Equatable {
        let offset: Int
        let capacity: Int
        let legacyOnly: Bool
    }

    static let locations = [
        Location(offset: 0, capacity: slotCapacity, legacyOnly: false),
        Location(offset: slotCapacity, capacity: slotCapacity, legacyOnly: false),
        Location(offset: 4 << 20, capacity: 4 << 20, legacyOnly: true),
    ]

    let pool: NativePool

    var name: String { KernelNames.manifest(pool.record) }
    var path: String { "/dev/mapper/\(name)" }

    /// Activates the manifest device. With `creating`, first makes its thin
    /// device when the pool has none; create_thin changes no transaction id,
    /// and repeating it finds the device there (EEXIST), so it needs no intent.
    /// A device active at format 1's 8 MiB is grown to `sizeBytes` in place.
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
        let table = try pool.deviceMapper.table(name)
        if table.count == 1, table[0].length < Self.sizeBytes / 512 {
            var grown = table[0]
            grown.length = Self.sizeBytes / 512
            try pool.deviceMapper.reload(name, table: [grown])
        }
    }

    /// Removes the device and deletes its thin device, for `pool delete`: a
    /// deleted pool has nothing left to describe.
    func delete() throws {
        if try pool.deviceMapper.info(name) != nil { try pool.deviceMapper.remove(name) }
        try pool.deleteThin(Self.thinId)
    }

    /// What the slots hold, by `locations`, the newest first decoded: once one
    /// reads back, the older ones are not read (a slot may be a hundred
    /// megabytes). The device must be active.
    func read() throws -> [ManifestSlot.Content] {
        try withFile(writable: false, activating: false, "read") { file in
            let checked = try Self.checkedSlots(of: file)
            var contents = checked.map { slot -> ManifestSlot.Content in
                switch slot {
                case .intact: .damaged("not read")
                case .blank: .blank
                case .foreign: .foreign
                case .damaged(let why): .damaged(why)
                }
            }
            let byAge = checked.indices.compactMap { index -> (Int, UInt64)? in
                if case .intact(let generation, _) = checked[index] { return (index, generation) }
                return nil
            }.sorted { $0.1 > $1.1 }
            for (index, _) in byAge {
                contents[index] = ManifestSlot.decode(try Self.slotBytes(of: file, at: Self.locations[index]),
                                                      capacity: Self.locations[index].capacity)
                if case .manifest = contents[index] {
                    for (older, _) in byAge where contents[older] == .damaged("not read") {
                        contents[older] = .damaged("older, not read")
                    }
                    break
                }
            }
            return contents
        }
    }

    /// Whether a slot holds an intact manifest, by its header alone (see
    /// `ManifestSlot`): no record is parsed, and a slot of format 2 is not
    /// read past its header.
    func holdsManifest() throws -> Bool {
        try withFile(writable: false, activating: false, "check") { file in
            ManifestSlot.newest(try Self.checkedSlots(of: file)) != nil
        }
    }

    /// The length of the newest manifest's JSON, if a slot holds one: what a
    /// change adds to is measured against `slotCapacity` before it is made.
    func newestLength() throws -> Int? {
        try withFile(writable: false, activating: true, "check") { file in
            ManifestSlot.newest(try Self.checkedSlots(of: file))?.length
        }
    }

    /// Writes the manifest of `records` with the next generation into the slot
    /// that does not hold the newest one, and returns once it is durable. The
    /// slots are read first, so the generation and the slot come from the
    /// device itself and never from a catalog that may have been restored from
    /// a backup. Throws `ManifestSlotWriter.TooLarge` for a manifest that does
    /// not fit, leaving the newest slot as it was.
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
            // Into format 2's second slot unless the newest is there: never over a format-1 manifest that is the newest.
            let target = newest.map { $0.index == 1 ? 0 : 1 } ?? 0
            let legacy = Self.locations[2]
            if target == 0, slots[2] != .blank {
                // A format-1 slot left inside the one about to be written, older than the newest.
                try file.write([UInt8](repeating: 0, count: ManifestSlot.blockSize), at: legacy.offset)
            }
            let location = Self.locations[target]
            var writer = ManifestSlotWriter(pool: pool.record.name, capacity: location.capacity) { bytes, offset in
                try file.write(bytes, at: location.offset + offset)
            } flush: {
                try file.sync()
            }
            _ = try writer.write(records, generation: (newest?.generation ?? 0) + 1)
        }
    }

    /// Each location's verdict; a format-2 slot by its header (see `ManifestSlot`).
    private static func checkedSlots(of file: DirectFile) throws(DirectFileError) -> [ManifestSlot.Checked] {
        try locations.map { (location: Location) throws(DirectFileError) -> ManifestSlot.Checked in
            let verdict = try ManifestSlot.check(capacity: location.capacity, chunk: chunk, trustingHeader: true) {
                (offset, count) throws(DirectFileError) in
                try file.read(count: count, at: location.offset + offset)
            }
            if location.legacyOnly, !isLegacy(try file.read(count: ManifestSlot.blockSize, at: location.offset)) { return .blank }
            return verdict
        }
    }

    private static func isLegacy(_ block: [UInt8]) -> Bool {
        block.starts(with: ManifestSlot.magic + ManifestSlot.littleEndian(ManifestSlot.legacyFormatVersion))
    }

    private static func slotBytes(of file: DirectFile, at location: Location) throws(DirectFileError) -> [UInt8] {
        var bytes = try file.read(count: ManifestSlot.blockSize, at: location.offset)
        let span = ManifestSlot.span(firstBlock: bytes[...], capacity: location.capacity)
        if span > bytes.count {
            bytes += try file.read(count: span - bytes.count, at: location.offset + bytes.count)
        }
        return bytes
    }

    /// Opens the device, activating it first when it is not there and
    /// `activating`; an I/O failure becomes an error naming the pool and device.
    private func withFile<T>(writable: Bool, activating: Bool, _ what: String, _ body: (DirectFile) throws -> T) throws -> T {
        do {
            // Also grows a device left at format 1's size, whose second slot would read past its end.
            if activating { try activate(creating: true) }
            let file = try DirectFile(path: path, writable: writable)
            defer { file.close() }
            return try body(file)
        } catch let error as DirectFileError {
            throw SnapshotsError(.kernel, "cannot \(what) the manifest of pool \(pool.record.name): \(error)")
        }
    }
}
