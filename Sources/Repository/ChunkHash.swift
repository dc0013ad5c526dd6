import Crypto

/// The SHA-256 of a chunk's plaintext: its name in the repository. Four words
/// rather than a string, so that prune's set of referenced chunks stays small.
public struct ChunkHash: Hashable, Sendable, CustomStringConvertible {
    let words: (UInt64, UInt64, UInt64, UInt64)

    public static func == (a: ChunkHash, b: ChunkHash) -> Bool { a.words == b.words }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
    }

    init(_ digest: SHA256Digest) {
        words = digest.withUnsafeBytes { raw in
            func word(_ index: Int) -> UInt64 { UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)) }
            return (word(0), word(1), word(2), word(3))
        }
    }

    /// The SHA-256 of `bytes`.
    init(of bytes: UnsafeRawBufferPointer) {
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        self.init(hasher.finalize())
    }

    /// Parses 64 lowercase hex digits; nil for anything else.
    public init?<Bytes: Collection<UInt8>>(hex: Bytes) {
        guard hex.count == 64 else { return nil }
        var parsed: [UInt64] = [0, 0, 0, 0]
        for (position, character) in hex.enumerated() {
            let nibble: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
            default: return nil
            }
            parsed[position / 16] = parsed[position / 16] << 4 | UInt64(nibble)
        }
        words = (parsed[0], parsed[1], parsed[2], parsed[3])
    }

    public init?(hex: String) { self.init(hex: Array(hex.utf8)) }

    /// The first byte: it names the chunk's directory and partitions prune's passes.
    var firstByte: UInt8 { UInt8(words.0 >> 56) }

    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 64) { buffer in
            for (index, word) in [words.0, words.1, words.2, words.3].enumerated() {
                for nibble in 0..<16 {
                    buffer[index * 16 + nibble] = digits[Int((word >> UInt64(60 - nibble * 4)) & 0xF)]
                }
            }
            return 64
        }
    }

    public var description: String { hex }
}
