import Foundation

/// The fixed layout of a manifest file. It is JSON that any parser reads, and
/// dmsnap writes it with one chunk per line so that it can be written and read
/// as a stream:
///
///     {"manifest":{…header…},
///     "chunks":[
///     [0,"<sha256>"],
///     [7,"<sha256>"]
///     ],
///     "sha256":"<SHA-256 of every byte above this line>"}
///
/// The last member is the file's own checksum, so a damaged manifest is found
/// before any chunk is trusted.
enum ManifestLayout {
    static let headerPrefix = Array(#"{"manifest":"#.utf8)
    static let chunksLine = Array(#""chunks":["#.utf8) + [0x0A]
    static let chunksEnd = Array("],".utf8) + [0x0A]
    static let checksumPrefix = Array(#""sha256":""#.utf8)
    static let checksumSuffix = Array(#""}"#.utf8) + [0x0A]
    /// A header line longer than this is not one dmsnap wrote.
    static let maximumLineLength = 64 * 1024

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    static func entryLine(_ entry: ManifestEntry) -> [UInt8] {
        Array("[\(entry.index),\"\(entry.hash.hex)\"]".utf8)
    }

    /// Parses `[INDEX,"HEX"]` (the trailing comma removed by the caller).
    static func parseEntry(_ line: ArraySlice<UInt8>) -> ManifestEntry? {
        guard line.count >= 70, line.first == UInt8(ascii: "["), line.last == UInt8(ascii: "]") else { return nil }
        let body = line.dropFirst().dropLast()
        guard let comma = body.firstIndex(of: UInt8(ascii: ",")) else { return nil }
        let digits = body[..<comma]
        guard !digits.isEmpty, digits.count <= 19, digits.allSatisfy({ (48...57).contains($0) }),
              digits.count == 1 || digits.first != UInt8(ascii: "0"),
              let index = UInt64(String(decoding: digits, as: UTF8.self)) else { return nil }
        let quoted = body[(comma + 1)...]
        guard quoted.count == 66, quoted.first == UInt8(ascii: "\""), quoted.last == UInt8(ascii: "\""),
              let hash = ChunkHash(hex: quoted.dropFirst().dropLast()) else { return nil }
        return ManifestEntry(index: index, hash: hash)
    }
}
