import Foundation

/// The on-disk form of a manifest: one of the slots of the manifest device
/// (`ManifestDevice` says where they are).
///
///     offset  size  field
///          0     8  magic "DMSNAPMF"
///          8     4  format version, little-endian (2; 1 is still read)
///         12     4  payload length in bytes, little-endian
///         16     8  generation, little-endian: one more than the newest slot's
///         24     4  CRC-32C of the payload followed by bytes 0..<24
///                   (format 1: of bytes 0..<24 followed by the payload)
///         28     4  CRC-32C of bytes 0..<28 (format 1: zero)
///       4096     …  payload: the manifest as JSON (readable with `dd | strings`)
///                   (format 1: from offset 32)
///
/// padded with zeros to whole 4 KiB blocks, the unit O_DIRECT writes in.
///
/// Format 2 is written payload first and header last, with a flush between
/// (`ManifestSlotWriter`), and the header has a block of its own: a header
/// that checks out therefore stands on a whole payload, so a writer choosing
/// the slot to overwrite reads two blocks, not two manifests of a hundred
/// megabytes. A reader still checks the payload's checksum. A writer always
/// overwrites a slot that does not hold the newest manifest, so a write torn
/// by a crash leaves the other slot, one change older, to the reader.
enum ManifestSlot {
    static let magic = Array("DMSNAPMF".utf8)
    static let formatVersion: UInt32 = 2
    /// 4 MiB slots with the payload right after the header, written header first.
    static let legacyFormatVersion: UInt32 = 1
    static let headerSize = 32
    /// O_DIRECT's alignment, and the unit a slot is read and written in.
    static let blockSize = 4096

    /// Where the payload starts in a slot of `version`.
    static func payloadOffset(_ version: UInt32) -> Int { version == legacyFormatVersion ? headerSize : blockSize }

    /// What a slot holds.
    enum Content: Equatable {
        case manifest(generation: UInt64, PoolManifest)
        /// Never written: its first block is all zeros.
        case blank
        /// Something that is not a dmsnap manifest.
        case foreign
        /// A dmsnap manifest that cannot be used (torn, corrupt, from a newer dmsnap), and why.
        case damaged(String)
    }

    /// What a slot's checksum says of it, without reading its records.
    enum Checked: Equatable {
        /// Header and payload agree with the checksum; `length` is the payload's.
        case intact(generation: UInt64, length: Int)
        case blank
        case foreign
        case damaged(String)
    }

    /// The header of a format-2 slot whose payload of `length` bytes has the
    /// running checksum `payload` (the payload's bytes, combined in order).
    static func header(length: Int, generation: UInt64, payload: CRC32C) -> [UInt8] {
        var header = magic + littleEndian(formatVersion) + littleEndian(UInt32(length)) + littleEndian(generation)
        var crc = payload
        crc.combine(header[...])
        header += littleEndian(crc.value)
        var headerCRC = CRC32C()
        headerCRC.combine(header[...])
        return header + littleEndian(headerCRC.value)
    }

    /// The slot's bytes, whole: for a manifest small enough to hold (tests).
    static func encode(_ records: some ManifestRecords, generation: UInt64, capacity: Int) throws -> [UInt8] {
        var slot = [UInt8](repeating: 0, count: blockSize)
        var writer = ManifestSlotWriter(pool: records.pool.name, capacity: capacity) { bytes, offset in
            if slot.count < offset + bytes.count { slot += repeatElement(0, count: offset + bytes.count - slot.count) }
            slot.replaceSubrange(offset..<offset + bytes.count, with: bytes)
        } flush: {}
        _ = try writer.write(records, generation: generation)
        return slot
    }

    /// How many bytes a slot takes, read from its first block: the header and
    /// payload rounded up to whole blocks, at most `capacity`.
    static func span(firstBlock: ArraySlice<UInt8>, capacity: Int) -> Int {
        guard firstBlock.count >= headerSize, firstBlock.starts(with: magic) else { return blockSize }
        let version = field(UInt32.self, firstBlock, at: 8)
        return min(capacity, roundedUp(payloadOffset(version) + Int(field(UInt32.self, firstBlock, at: 12))))
    }

    /// Checks a slot's header and checksum. A writer needs no more than this
    /// to choose the slot to overwrite.
    static func check(_ bytes: [UInt8], capacity: Int) -> Checked {
        verify(bytes, capacity: capacity).verdict
    }

    /// `check`, reading the slot `chunk` bytes at a time (a multiple of
    /// `blockSize`) through `read(offset, count)`, so that the slot is never
    /// in memory whole. With `trustingHeader`, a format-2 slot is judged by
    /// its header's own checksum: it is written last, after its payload was
    /// flushed (see the type's comment).
    static func check<Failure: Error>(
        capacity: Int, chunk: Int, trustingHeader: Bool = false, read: (_ offset: Int, _ count: Int) throws(Failure) -> [UInt8]
    ) throws(Failure) -> Checked {
        let first = try read(0, blockSize)
        let header: Header
        switch parseHeader(first[...], capacity: capacity) {
        case .failed(let verdict): return verdict
        case .parsed(let parsed): header = parsed
        }
        if trustingHeader, header.version == formatVersion { return .intact(generation: header.generation, length: header.length) }
        var crc = CRC32C()
        if header.version == legacyFormatVersion { crc.combine(first.prefix(24)) }
        let payload = header.payload
        var offset = 0
        while offset < payload.upperBound {
            let bytes = offset == 0 ? first : try read(offset, min(chunk, roundedUp(payload.upperBound) - offset))
            let covered = (offset..<offset + bytes.count).clamped(to: payload)
            if !covered.isEmpty { crc.combine(bytes[(covered.lowerBound - offset)..<(covered.upperBound - offset)]) }
            offset += bytes.count
        }
        if header.version == formatVersion { crc.combine(first.prefix(24)) }
        return header.verdict(crc.value)
    }

    static func decode(_ bytes: [UInt8], capacity: Int) -> Content {
        let (verdict, payload) = verify(bytes, capacity: capacity)
        switch verdict {
        case .intact(let generation, _):
            do {
                return .manifest(generation: generation, try JSONDecoder().decode(PoolManifest.self, from: Data(payload)))
            } catch {
                return .damaged("its checksum is right but its records cannot be read (\(String(describing: error).prefix(200)))")
            }
        case .blank: return .blank
        case .foreign: return .foreign
        case .damaged(let why): return .damaged(why)
        }
    }

    private struct Header {
        let version: UInt32
        let length: Int
        let generation: UInt64
        let recordedChecksum: UInt32

        var payload: Range<Int> { ManifestSlot.payloadOffset(version)..<ManifestSlot.payloadOffset(version) + length }

        func verdict(_ checksum: UInt32) -> Checked {
            guard checksum == recordedChecksum else {
                return .damaged("its checksum is \(hex(checksum)) where its header records \(hex(recordedChecksum)) (a torn or damaged write)")
            }
            return .intact(generation: generation, length: length)
        }
    }

    private enum ParsedHeader {
        case parsed(Header)
        /// Never `.intact`: that takes the payload's checksum as well.
        case failed(Checked)
    }

    private static func parseHeader(_ slot: ArraySlice<UInt8>, capacity: Int) -> ParsedHeader {
        guard slot.count >= headerSize else { return .failed(.damaged("it is \(slot.count) bytes long, shorter than its header")) }
        guard slot.starts(with: magic) else {
            return .failed(slot.prefix(blockSize).allSatisfy { $0 == 0 } ? .blank : .foreign)
        }
        let version = field(UInt32.self, slot, at: 8)
        guard version == formatVersion || version == legacyFormatVersion else {
            return .failed(.damaged("it is in format \(version); this dmsnap reads formats \(legacyFormatVersion) and \(formatVersion)"))
        }
        if version == formatVersion {
            var crc = CRC32C()
            crc.combine(slot.prefix(28))
            guard crc.value == field(UInt32.self, slot, at: 28) else {
                return .failed(.damaged("its header's checksum is wrong (a torn or damaged write)"))
            }
        }
        let length = Int(field(UInt32.self, slot, at: 12))
        guard payloadOffset(version) + length <= capacity else {
            return .failed(.damaged("its header gives a \(length)-byte manifest, past the end of the slot"))
        }
        return .parsed(Header(version: version, length: length, generation: field(UInt64.self, slot, at: 16),
                              recordedChecksum: field(UInt32.self, slot, at: 24)))
    }

    /// The slot's verdict, and its payload (empty unless the slot is intact).
    private static func verify(_ bytes: [UInt8], capacity: Int) -> (verdict: Checked, payload: ArraySlice<UInt8>) {
        let slot = bytes[...]
        let header: Header
        switch parseHeader(slot, capacity: capacity) {
        case .failed(let verdict): return (verdict, [])
        case .parsed(let parsed): header = parsed
        }
        guard header.payload.upperBound <= slot.count else {
            return (.damaged("its header gives a \(header.length)-byte manifest, past the end of the slot"), [])
        }
        let payload = slot[header.payload]
        var crc = CRC32C()
        if header.version == legacyFormatVersion {
            crc.combine(slot.prefix(24))
            crc.combine(payload)
        } else {
            crc.combine(payload)
            crc.combine(slot.prefix(24))
        }
        let verdict = header.verdict(crc.value)
        if case .intact = verdict { return (verdict, payload) }
        return (verdict, [])
    }

    /// The slot holding the newest usable manifest, if any slot holds one.
    static func newest(_ slots: [Content]) -> (index: Int, generation: UInt64, manifest: PoolManifest)? {
        var best: (index: Int, generation: UInt64, manifest: PoolManifest)?
        for (index, content) in slots.enumerated() {
            if case .manifest(let generation, let manifest) = content, generation >= best?.generation ?? 0 {
                best = (index, generation, manifest)
            }
        }
        return best
    }

    /// The intact slot with the newest generation, if any slot is intact.
    static func newest(_ slots: [Checked]) -> (index: Int, generation: UInt64, length: Int)? {
        var best: (index: Int, generation: UInt64, length: Int)?
        for (index, slot) in slots.enumerated() {
            if case .intact(let generation, let length) = slot, generation >= best?.generation ?? 0 { best = (index, generation, length) }
        }
        return best
    }

    static func roundedUp(_ count: Int) -> Int { (count + blockSize - 1) / blockSize * blockSize }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian, Array.init)
    }

    private static func field<T: FixedWidthInteger>(_: T.Type, _ bytes: ArraySlice<UInt8>, at offset: Int) -> T {
        let start = bytes.startIndex + offset
        return bytes[start..<start + MemoryLayout<T>.size].reversed().reduce(T.zero) { $0 << 8 | T($1) }
    }

    private static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16, uppercase: true) }
}
