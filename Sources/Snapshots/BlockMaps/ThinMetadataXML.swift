import Foundation

/// What `thin_dump --dev-id N` and `thin_delta` print, read with a real XML
/// parser: the pool's data block size and the runs of blocks a copy reads.
struct ThinMetadataXML {
    /// Pool blocks: `begin` and `length` in units of `dataBlockSectors` × 512 bytes.
    struct BlockRun: Equatable {
        var begin: UInt64
        var length: UInt64
    }

    /// The pool's data block size, in 512-byte sectors (the superblock's `data_block_size`).
    let dataBlockSectors: UInt64
    /// Sorted by `begin`, touching runs merged.
    let runs: [BlockRun]

    /// The runs as bytes, sorted, merged and cut at `volumeSize`.
    func byteRanges(clampedTo volumeSize: UInt64) -> [ByteRange] {
        let blockBytes = dataBlockSectors * 512
        return ByteRange.normalized(runs.map { ByteRange(offset: $0.begin * blockBytes, length: $0.length * blockBytes) },
                                    clampedTo: volumeSize)
    }

    /// The mappings of device `deviceId` in `thin_dump` output read from
    /// `fd`: each `range_mapping` (`origin_begin`, `length`) and
    /// `single_mapping` (`origin_block`) inside `<device dev_id=N>`.
    static func mappings(ofDevice deviceId: UInt32, readingFrom fd: Int32) throws -> ThinMetadataXML {
        var builder = Builder(tool: "thin_dump")
        var sawDevice = false
        try builder.read(fd) { name, attributes, context in
            if name == "device" { sawDevice = sawDevice || attributes["dev_id"] == String(deviceId) }
            guard context.parent == "device", context.deviceId == String(deviceId) else { return nil }
            switch name {
            case "range_mapping": return try BlockRun(begin: number("origin_begin", attributes), length: number("length", attributes))
            case "single_mapping": return try BlockRun(begin: number("origin_block", attributes), length: 1)
            default: return nil
            }
        }
        guard sawDevice else {
            throw SnapshotsError(.kernel, "thin_dump found no thin device \(deviceId) in the pool's metadata snapshot")
        }
        return try builder.result()
    }

    /// The blocks `thin_delta` output read from `fd` reports as changed
    /// between its two devices.
    ///
    /// `different` and `right_only` blocks hold new data. `left_only` blocks
    /// were mapped in the base and are unmapped (discarded) in the target, so
    /// they now read as zeros. All three are returned as ranges to re-read:
    /// the copy engine reads every changed range from the target snapshot's
    /// own device, where an unmapped block reads as zeros, so re-reading a
    /// `left_only` range yields exactly the zeros the copy must record, and
    /// one rule (read the target) covers all three kinds. `same` is skipped.
    /// Both the plain form (`<different begin= length=/>`) and the verbose
    /// one (`<different><range begin= length=/></different>`) are read.
    static func changes(readingFrom fd: Int32) throws -> ThinMetadataXML {
        let changed: Set<String> = ["different", "left_only", "right_only"]
        var builder = Builder(tool: "thin_delta")
        try builder.read(fd) { name, attributes, context in
            let isChange = changed.contains(name) && attributes["begin"] != nil
                || name == "range" && context.parent.map(changed.contains) == true
            guard isChange else { return nil }
            return try BlockRun(begin: number("begin", attributes), length: number("length", attributes))
        }
        return try builder.result()
    }

    private static func number(_ name: String, _ attributes: [String: String]) throws -> UInt64 {
        guard let text = attributes[name], let value = UInt64(text) else {
            throw ReadError.badAttribute(name, attributes[name])
        }
        return value
    }

    enum ReadError: Error, CustomStringConvertible {
        case badAttribute(String, String?)
        var description: String {
            switch self {
            case .badAttribute(let name, let value): "attribute \(name) is \(value.map { Validation.shown($0) } ?? "missing"), not a block number"
            }
        }
    }

    /// Follows the element path and the superblock's block size, and merges
    /// each run into the last when they touch (both tools print runs in
    /// ascending block order, so the list stays short for mostly contiguous
    /// volumes).
    private struct Builder {
        let tool: String
        var dataBlockSectors: UInt64?
        var runs: [BlockRun] = []

        init(tool: String) { self.tool = tool }

        /// Where an element stands: the element around it, and the `dev_id`
        /// of the `device` element it is in.
        struct Context {
            var parent: String?
            var deviceId: String?
        }

        /// `runOf` sees each element's start with its context.
        mutating func read(_ fd: Int32, runOf: (String, [String: String], Context) throws -> BlockRun?) throws {
            var path: [String] = []
            var deviceId: String?
            do {
                try XMLElementReader.read(fd) { event in
                    switch event {
                    case .start(let name, let attributes):
                        if name == "superblock" { dataBlockSectors = try ThinMetadataXML.number("data_block_size", attributes) }
                        if let run = try runOf(name, attributes, Context(parent: path.last, deviceId: deviceId)), run.length > 0 {
                            append(run)
                        }
                        if name == "device" { deviceId = attributes["dev_id"] }
                        path.append(name)
                    case .end(let name):
                        if name == "device" { deviceId = nil }
                        path.removeLast()
                    }
                }
            } catch {
                throw SnapshotsError(.kernel, "\(tool) printed a block map dmsnap cannot read: \(error)")
            }
        }

        private mutating func append(_ run: BlockRun) {
            if let last = runs.last, last.begin + last.length == run.begin {
                runs[runs.count - 1].length += run.length
            } else {
                runs.append(run)
            }
        }

        func result() throws -> ThinMetadataXML {
            guard let dataBlockSectors, dataBlockSectors > 0 else {
                throw SnapshotsError(.kernel, "\(tool) printed no superblock with a data_block_size")
            }
            return ThinMetadataXML(dataBlockSectors: dataBlockSectors, runs: runs.sorted { $0.begin < $1.begin })
        }
    }
}
