import Foundation
import FoundationXML

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

    /// The mappings of device `deviceId` in `thin_dump` output: each
    /// `range_mapping` (`origin_begin`, `length`) and `single_mapping`
    /// (`origin_block`) inside `<device dev_id=N>`.
    static func mappings(ofDevice deviceId: UInt32, in xml: String) throws -> ThinMetadataXML {
        let reader = Reader { element, attributes, parents in
            guard parents.last == "device" else { return nil }
            switch element {
            case "range_mapping": return try BlockRun(begin: number("origin_begin", attributes), length: number("length", attributes))
            case "single_mapping": return try BlockRun(begin: number("origin_block", attributes), length: 1)
            default: return nil
            }
        } deviceFilter: { attributes in attributes["dev_id"] == String(deviceId) }
        let map = try reader.read(xml, tool: "thin_dump")
        guard reader.sawDevice else {
            throw SnapshotsError(.kernel, "thin_dump found no thin device \(deviceId) in the pool's metadata snapshot")
        }
        return map
    }

    /// The blocks `thin_delta` reports as changed between its two devices.
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
    static func changes(in xml: String) throws -> ThinMetadataXML {
        let changed: Set<String> = ["different", "left_only", "right_only"]
        let reader = Reader { element, attributes, parents in
            if changed.contains(element), attributes["begin"] != nil {
                return try BlockRun(begin: number("begin", attributes), length: number("length", attributes))
            }
            if element == "range", let parent = parents.last, changed.contains(parent) {
                return try BlockRun(begin: number("begin", attributes), length: number("length", attributes))
            }
            return nil
        } deviceFilter: { _ in true }
        return try reader.read(xml, tool: "thin_delta")
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

    /// The SAX delegate: keeps the element path, the superblock's block size,
    /// and merges each run into the last when they touch (both tools print
    /// runs in ascending block order, so the list stays short for mostly
    /// contiguous volumes).
    private final class Reader: NSObject, XMLParserDelegate {
        typealias RunOf = (_ element: String, _ attributes: [String: String], _ parents: [String]) throws -> BlockRun?
        let runOf: RunOf
        let deviceFilter: ([String: String]) -> Bool
        var parents: [String] = []
        var insideWantedDevice = true
        var sawDevice = false
        var dataBlockSectors: UInt64?
        var runs: [BlockRun] = []
        var failure: Error?

        init(_ runOf: @escaping RunOf, deviceFilter: @escaping ([String: String]) -> Bool) {
            self.runOf = runOf
            self.deviceFilter = deviceFilter
        }

        func read(_ xml: String, tool: String) throws -> ThinMetadataXML {
            let parser = XMLParser(data: Data(xml.utf8))
            parser.delegate = self
            let parsed = parser.parse()
            if let failure {
                throw SnapshotsError(.kernel, "\(tool) printed a block map dmsnap cannot read: \(failure)")
            }
            guard parsed else {
                throw SnapshotsError(.kernel, "\(tool) printed XML that does not parse: \(parser.parserError.map { "\($0)" } ?? "unknown error")")
            }
            guard let dataBlockSectors, dataBlockSectors > 0 else {
                throw SnapshotsError(.kernel, "\(tool) printed no superblock with a data_block_size")
            }
            runs.sort { $0.begin < $1.begin }
            return ThinMetadataXML(dataBlockSectors: dataBlockSectors, runs: runs)
        }

        func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            defer { parents.append(element) }
            do {
                if element == "superblock" {
                    dataBlockSectors = try ThinMetadataXML.number("data_block_size", attributes)
                } else if element == "device" {
                    insideWantedDevice = deviceFilter(attributes)
                    sawDevice = sawDevice || insideWantedDevice
                } else if insideWantedDevice, let run = try runOf(element, attributes, parents), run.length > 0 {
                    if let last = runs.last, last.begin + last.length == run.begin {
                        runs[runs.count - 1].length += run.length
                    } else {
                        runs.append(run)
                    }
                }
            } catch {
                failure = error
                parser.abortParsing()
            }
        }

        func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
            parents.removeLast()
            if element == "device" { insideWantedDevice = true }
        }
    }
}
