import Snapshots

/// A NextToken: 32 lowercase hexadecimal digits, the shape of ECS's own tokens
/// (`caeba0bbb2be03f84eb48b699f0a4883`). Inside: a version byte, the offset of
/// the next page (7 bytes, big-endian) and an 8-byte check over both and the
/// listing's scope.
///
/// The check catches a mistyped, truncated or edited token and a token from
/// another listing, so they are refused rather than paging from the wrong
/// place. It is not a secret: anyone who reads this code can mint a token, and
/// that gains nothing, since a token only ever selects a page of a list the
/// caller may read in full.
enum PageToken {
    private static let version: UInt8 = 1
    private static let key = Array("dmsnap NextToken".utf8)

    static func make(offset: Int, scope: String) -> String {
        let payload = [version] + (0..<7).reversed().map { UInt8(truncatingIfNeeded: UInt64(offset) >> (8 * $0)) }
        let check = checksum(payload, scope: scope)
        let bytes = payload + (0..<8).reversed().map { UInt8(truncatingIfNeeded: check >> (8 * $0)) }
        return bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// The offset a token dmsnap issued for `scope` carries.
    static func offset(in token: String, scope: String) throws(SnapshotsError) -> Int {
        let refusal = SnapshotsError(.invalidParameter, "NextToken \(UntrustedText.quoted(token)) is not one dmsnap returned for this listing; start again without NextToken")
        let digits = Array(token.utf8)
        guard digits.count == 32, digits.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { throw refusal }
        let bytes = stride(from: 0, to: 32, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
        let payload = Array(bytes[0..<8])
        let check = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard payload[0] == version, check == checksum(payload, scope: scope) else { throw refusal }
        let offset = payload[1...].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        // dmsnap never issues a token for the first page.
        guard offset > 0, offset <= UInt64(Int.max) else { throw refusal }
        return Int(offset)
    }

    private static func checksum(_ payload: [UInt8], scope: String) -> UInt64 {
        var hasher = FNV1a64()
        hasher.combine(key)
        // The scope's length first, so that scope and payload cannot trade bytes.
        hasher.combine((0..<8).map { UInt8(truncatingIfNeeded: UInt64(scope.utf8.count) >> (8 * $0)) })
        hasher.combine(scope)
        hasher.combine(payload)
        return hasher.value
    }
}
