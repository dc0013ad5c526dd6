/// FNV-1a with a 64-bit state: small, stable across platforms and releases,
/// and not cryptographic. dmsnap uses it where a value must be derived the same
/// way on every run (the instance ID) or where accidental edits must be caught
/// (NextToken), never where an adversary must be kept out.
public struct FNV1a64: Sendable {
    /// The standard FNV-1a 64-bit offset basis; other seeds give independent hashes.
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    public private(set) var value: UInt64

    public init(seed: UInt64 = FNV1a64.offsetBasis) {
        value = seed
    }

    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            value = (value ^ UInt64(byte)) &* Self.prime
        }
    }

    public mutating func combine(_ text: String) {
        combine(text.utf8)
    }

    /// The hash of `bytes` from `seed`.
    public static func hash(_ bytes: some Sequence<UInt8>, seed: UInt64 = offsetBasis) -> UInt64 {
        var hasher = FNV1a64(seed: seed)
        hasher.combine(bytes)
        return hasher.value
    }
}
