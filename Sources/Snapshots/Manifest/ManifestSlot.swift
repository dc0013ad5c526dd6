import Foundation

/// The on-disk form of a manifest: one of the two slots of the manifest device.
///
///     offset  size  field
///          0     8  magic "DMSNAPMF"
///          8     4  format version, little-endian (1)
///         12     4  payload length in bytes, little-endian
///         16     8  generation, little-endian: one more than the newest slot's
///         24     4  CRC-32C of bytes 0..<24 followed by the payload
///         28     4  zero
///         32     …  payload: the manifest as JSON (readable with `dd | strings`)
///
/// padded with zeros to whole 4 KiB blocks, the unit O_DIRECT writes in. A
/// writer always overwrites the slot that does not hold the newest valid
/// manifest, so a write torn by a crash or a power cut fails its checksum and
/// leaves the other slot, one change older, to the reader.
enum ManifestSlot {
    static let magic = Array("DMSNAPMF".utf8)
    static let formatVersion: UInt32 = 1
    static let headerSize = 32
    /// O_DIRECT's alignment, and the unit a slot is read and written in.
    static let blockSize = 4096

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

    /// A slot as it is written: header, JSON, zero padding to whole blocks.
    /// It is handed out a range at a time, so that a manifest of thousands of
    /// snapshots is in memory once, not again as the slot and its aligned copy.
    struct Image {
        let header: [UInt8]
        let payload: [UInt8]
        /// The slot's length: header and payload rounded up to whole blocks.
        var count: Int { roundedUp(header.count + payload.count) }

        /// The slot's bytes in `range`.
        func bytes(in range: Range<Int>) -> [UInt8] {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(range.count)
            let payloadRange = header.count..<header.count + payload.count
            if range.lowerBound < header.count { bytes += header[range.lowerBound..<min(range.upperBound, header.count)] }
            let inPayload = range.clamped(to: payloadRange)
            if !inPayload.isEmpty { bytes += payload[(inPayload.lowerBound - header.count)..<(inPayload.upperBound - header.count)] }
            bytes += repeatElement(0, count: range.count - bytes.count)
            return bytes
        }
    }

    static func image(_ records: some ManifestRecords, generation: UInt64, capacity: Int) throws -> Image {
        let encoded = try records.encodedJSON()
        let payload = encoded.json
        let length = headerSize + payload.count
        guard length <= capacity, let payloadLength = UInt32(exactly: payload.count) else {
            throw SnapshotsError(.insufficientSpace, """
                the manifest of pool \(records.pool.name) needs \(length) bytes, more than its slot's \(capacity); \
                it has \(encoded.disks) disks and \(encoded.snapshots) snapshots
                """)
        }
        var header = magic
        header += littleEndian(formatVersion) + littleEndian(payloadLength) + littleEndian(generation)
        var crc = CRC32C()
        crc.combine(header[...])
        crc.combine(payload[...])
        header += littleEndian(crc.value) + littleEndian(UInt32(0))
        return Image(header: header, payload: payload)
    }

    /// The slot's bytes, whole.
    static func encode(_ records: some ManifestRecords, generation: UInt64, capacity: Int) throws -> [UInt8] {
        let image = try image(records, generation: generation, capacity: capacity)
        return image.bytes(in: 0..<image.count)
    }

    /// How many bytes a slot takes, read from its first block: the header and
    /// payload rounded up to whole blocks, at most `capacity`.
    static func span(firstBlock: ArraySlice<UInt8>, capacity: Int) -> Int {
        guard firstBlock.count >= headerSize, firstBlock.starts(with: magic) else { return blockSize }
        return min(capacity, roundedUp(headerSize + Int(field(UInt32.self, firstBlock, at: 12))))
    }

    /// What a slot's checksum says of it, without reading its records.
    enum Checked: Equatable {
        /// Header and payload agree with the checksum.
        case intact(generation: UInt64)
        case blank
        case foreign
        case damaged(String)
    }

    /// Checks a slot's header and checksum. A writer needs no more than this
    /// to choose the slot to overwrite, and it costs a CRC where decoding costs
    /// a JSON parse of every record (most of a write at a thousand snapshots).
    static func check(_ bytes: [UInt8], capacity: Int) -> Checked {
        verify(bytes, capacity: capacity).verdict
    }

    /// `check`, reading the slot `chunk` bytes at a time (a multiple of
    /// `blockSize`) through `read(offset, count)`, so that the slot is never
    /// in memory whole.
    static func check<Failure: Error>(
        capacity: Int, chunk: Int, read: (_ offset: Int, _ count: Int) throws(Failure) -> [UInt8]
    ) throws(Failure) -> Checked {
        let first = try read(0, blockSize)
        let header: Header
        switch parseHeader(first[...], capacity: capacity) {
        case .failed(let verdict): return verdict
        case .parsed(let parsed): header = parsed
        }
        var crc = CRC32C()
        crc.combine(first.prefix(24))
        let payload = headerSize..<headerSize + header.length
        var offset = 0
        while offset < payload.upperBound {
            let bytes = offset == 0 ? first : try read(offset, min(chunk, roundedUp(payload.upperBound) - offset))
            let covered = (offset..<offset + bytes.count).clamped(to: payload)
            crc.combine(bytes[(covered.lowerBound - offset)..<(covered.upperBound - offset)])
            offset += bytes.count
        }
        return header.verdict(crc.value)
    }

    static func decode(_ bytes: [UInt8], capacity: Int) -> Content {
        let (verdict, payload) = verify(bytes, capacity: capacity)
        switch verdict {
        case .intact(let generation):
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
        let length: Int
        let generation: UInt64
        let recordedChecksum: UInt32

        func verdict(_ checksum: UInt32) -> Checked {
            guard checksum == recordedChecksum else {
                return .damaged("its checksum is \(hex(checksum)) where its header records \(hex(recordedChecksum)) (a torn or damaged write)")
            }
            return .intact(generation: generation)
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
        guard version == formatVersion else {
            return .failed(.damaged("it is in format \(version); this dmsnap reads format \(formatVersion)"))
        }
        let length = Int(field(UInt32.self, slot, at: 12))
        guard headerSize + length <= capacity else {
            return .failed(.damaged("its header gives a \(length)-byte manifest, past the end of the slot"))
        }
        return .parsed(Header(length: length, generation: field(UInt64.self, slot, at: 16),
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
        guard headerSize + header.length <= slot.count else {
            return (.damaged("its header gives a \(header.length)-byte manifest, past the end of the slot"), [])
        }
        let payload = slot[headerSize..<headerSize + header.length]
        var crc = CRC32C()
        crc.combine(slot.prefix(24))
        crc.combine(payload)
        let verdict = header.verdict(crc.value)
        return (verdict, verdict == .intact(generation: header.generation) ? payload : [])
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
    static func newest(_ slots: [Checked]) -> (index: Int, generation: UInt64)? {
        var best: (index: Int, generation: UInt64)?
        for (index, slot) in slots.enumerated() {
            if case .intact(let generation) = slot, generation >= best?.generation ?? 0 { best = (index, generation) }
        }
        return best
    }

    static func roundedUp(_ count: Int) -> Int { (count + blockSize - 1) / blockSize * blockSize }

    private static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian, Array.init)
    }

    private static func field<T: FixedWidthInteger>(_: T.Type, _ bytes: ArraySlice<UInt8>, at offset: Int) -> T {
        let start = bytes.startIndex + offset
        return bytes[start..<start + MemoryLayout<T>.size].reversed().reduce(T.zero) { $0 << 8 | T($1) }
    }

    private static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16, uppercase: true) }
}
