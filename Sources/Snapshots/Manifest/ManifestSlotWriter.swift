/// Writes one format-2 slot (`ManifestSlot`) as the manifest's JSON is made:
/// whole blocks of payload as they fill, then a flush, then the header block,
/// then a flush. Memory holds one chunk of JSON, however many records there are.
struct ManifestSlotWriter {
    /// A manifest that does not fit its slot. Nothing in the slot tells a
    /// reader it is there: its header is never written.
    struct TooLarge: Error, CustomStringConvertible {
        let pool: String
        let capacity: Int

        var description: String {
            "the manifest of pool \(pool) does not fit its \(capacity >> 20) MiB slot"
        }
    }

    /// How much JSON is held before it is written (whole blocks).
    static let chunk = 256 << 10

    let pool: String
    let capacity: Int
    /// Writes whole blocks at an offset into the slot.
    let writeBlocks: ([UInt8], Int) throws -> Void
    /// Makes what was written durable.
    let flush: () throws -> Void

    private var pending: [UInt8] = []
    private var offset = ManifestSlot.blockSize
    private var crc = CRC32C()
    private var length = 0

    init(pool: String, capacity: Int, writeBlocks: @escaping ([UInt8], Int) throws -> Void, flush: @escaping () throws -> Void) {
        self.pool = pool
        self.capacity = capacity
        self.writeBlocks = writeBlocks
        self.flush = flush
    }

    /// Writes `records` as generation `generation`; returns how many disks and
    /// snapshots it lists. Throws `TooLarge` as soon as the JSON passes the
    /// slot's end, before writing past it.
    mutating func write(_ records: some ManifestRecords, generation: UInt64) throws -> ManifestPayload {
        let counts = try records.streamJSON(every: Self.chunk) { try append($0) }
        try writeOut(all: true)
        try flush()
        var block = ManifestSlot.header(length: length, generation: generation, payload: crc)
        block += repeatElement(0, count: ManifestSlot.blockSize - block.count)
        try writeBlocks(block, 0)
        try flush()
        return counts
    }

    private mutating func append(_ json: [UInt8]) throws {
        length += json.count
        guard ManifestSlot.blockSize + length <= capacity, length <= UInt32.max else {
            throw TooLarge(pool: pool, capacity: capacity)
        }
        crc.combine(json[...])
        pending += json
        if pending.count >= Self.chunk { try writeOut(all: false) }
    }

    /// Writes the whole blocks pending, and with `all` the last part one too, padded with zeros.
    private mutating func writeOut(all: Bool) throws {
        let count = all ? ManifestSlot.roundedUp(pending.count) : pending.count / ManifestSlot.blockSize * ManifestSlot.blockSize
        guard count > 0 else { return }
        if count > pending.count { pending += repeatElement(0, count: count - pending.count) }
        try writeBlocks(Array(pending[..<count]), offset)
        pending.removeFirst(count)
        offset += count
    }
}
