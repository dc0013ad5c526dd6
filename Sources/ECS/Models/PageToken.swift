import Snapshots

/// A NextToken: lowercase hexadecimal digits, opaque as ECS's own tokens are
/// (`caeba0bbb2be03f84eb48b699f0a4883`), 60 of them. Inside, 30 bytes: a
/// version byte; the place the next page starts after (`ListingCursor`): the
/// last item's creation time in milliseconds (8 bytes, big-endian) and the
/// 20 characters of its ID's body as one base-36 number (13 bytes); and an
/// 8-byte check over all of it and the listing's scope.
///
/// A place, not an offset: the next page starts after the last item returned,
/// whatever was deleted or added before it meanwhile.
///
/// The check catches a mistyped, truncated or edited token and a token from
/// another listing, so they are refused rather than paging from the wrong
/// place. It is not a secret: anyone who reads this code can mint a token, and
/// that gains nothing, since a token only ever selects a page of a list the
/// caller may read in full.
enum PageToken {
    /// Version 1 carried an offset; such a token is refused like any foreign one.
    private static let version: UInt8 = 2
    private static let key = Array("dmsnap NextToken".utf8)
    private static let idBytes = 13
    private static let byteCount = 1 + 8 + idBytes + 8
    /// Base-36 digits of an ID's body, in the order their values count.
    private static let digits = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)

    static func make(after cursor: ListingCursor, scope: String) -> String {
        let payload = [version] + bigEndian(UInt64(bitPattern: cursor.createdAtMilliseconds), count: 8) + packed(cursor.id.body)
        let bytes = payload + bigEndian(checksum(payload, scope: scope), count: 8)
        return bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// The place a token dmsnap issued for `scope` carries; its ID is of `kind`.
    static func cursor(in token: String, kind: ResourceID.Kind, scope: String) throws(SnapshotsError) -> ListingCursor {
        let refusal = SnapshotsError(.invalidParameter, "NextToken \(UntrustedText.quoted(token)) is not one dmsnap returned for this listing; start again without NextToken")
        let text = Array(token.utf8)
        guard text.count == 2 * byteCount, text.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { throw refusal }
        let bytes = stride(from: 0, to: text.count, by: 2).map { UInt8(String(decoding: text[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
        let payload = Array(bytes[..<(byteCount - 8)])
        guard payload[0] == version, number(bytes[(byteCount - 8)...]) == checksum(payload, scope: scope),
              let body = unpacked(Array(payload[9...])),
              let id = try? ResourceID(parsing: kind.prefix + body, as: kind) else { throw refusal }
        return ListingCursor(createdAtMilliseconds: Int64(bitPattern: number(payload[1..<9])), id: id)
    }

    /// The body's characters as one base-36 number, big-endian in `idBytes` bytes
    /// (36^20 < 2^104).
    private static func packed(_ body: Substring) -> [UInt8] {
        var value = [UInt8](repeating: 0, count: idBytes)
        for character in body.utf8 {
            var carry = UInt32(digits.firstIndex(of: character) ?? 0)
            for index in value.indices.reversed() {
                let product = UInt32(value[index]) * 36 + carry
                value[index] = UInt8(truncatingIfNeeded: product)
                carry = product >> 8
            }
        }
        return value
    }

    /// The body `packed` made, or nil when the number is not one it makes.
    private static func unpacked(_ bytes: [UInt8]) -> String? {
        var value = bytes
        var body: [UInt8] = []
        for _ in 0..<ResourceID.bodyLength {
            var remainder: UInt32 = 0
            for index in value.indices {
                let dividend = remainder << 8 | UInt32(value[index])
                value[index] = UInt8(dividend / 36)
                remainder = dividend % 36
            }
            body.append(digits[Int(remainder)])
        }
        guard value.allSatisfy({ $0 == 0 }) else { return nil }
        return String(decoding: body.reversed(), as: UTF8.self)
    }

    private static func bigEndian(_ value: UInt64, count: Int) -> [UInt8] {
        (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    private static func number(_ bytes: some Sequence<UInt8>) -> UInt64 {
        bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
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
