/// The table line of a `zero` target: reads return zeros and writes are
/// dropped. A stand-in of the right size, for instance under a thin pool's
/// data while testing.
public struct ZeroTable: Sendable, Equatable {
    public let start: UInt64
    public let length: UInt64

    public init(start: UInt64 = 0, length: UInt64) throws(TargetArgumentError) {
        try validateExtent(start: start, length: length)
        self.start = start
        self.length = length
    }

    public var targetLine: TargetLine {
        TargetLine(start: start, length: length, type: "zero", parameters: "")
    }
}
