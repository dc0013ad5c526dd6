/// A run of bytes of a volume a copy must read: `offset` and `length` in bytes.
public struct ByteRange: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var offset: UInt64
    public var length: UInt64

    public init(offset: UInt64, length: UInt64) {
        self.offset = offset
        self.length = length
    }

    /// One past the last byte.
    public var end: UInt64 { offset + length }

    public var description: String { "\(offset)+\(length)" }

    /// `ranges` sorted by offset, overlapping and touching ones merged, each cut
    /// at `volumeSize` and empty ones dropped: what a copy reads, in the order
    /// it reads it. The pool maps whole blocks, so a volume whose size is not a
    /// multiple of the block size has a last block that reaches past its end.
    public static func normalized(_ ranges: [ByteRange], clampedTo volumeSize: UInt64) -> [ByteRange] {
        var result: [ByteRange] = []
        for range in ranges.sorted(by: { $0.offset < $1.offset }) where range.length > 0 && range.offset < volumeSize {
            let end = min(range.offset.addingReportingOverflow(range.length).overflow ? volumeSize : range.end, volumeSize)
            if let last = result.last, range.offset <= last.end {
                result[result.count - 1].length = max(last.end, end) - last.offset
            } else {
                result.append(ByteRange(offset: range.offset, length: end - range.offset))
            }
        }
        return result
    }
}

extension Array where Element == ByteRange {
    /// The bytes these ranges cover (they must be normalized: no overlaps).
    public var totalBytes: UInt64 { reduce(0) { $0 + $1.length } }
}
