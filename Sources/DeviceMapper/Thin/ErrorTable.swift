/// The table line of an `error` target: every I/O fails. Swapped in for a
/// device's table to fence it off, or to inject failures in tests.
public struct ErrorTable: Sendable, Equatable {
    public let start: UInt64
    public let length: UInt64

    public init(start: UInt64 = 0, length: UInt64) throws(TargetArgumentError) {
        try validateExtent(start: start, length: length)
        self.start = start
        self.length = length
    }

    public var targetLine: TargetLine {
        TargetLine(start: start, length: length, type: "error", parameters: "")
    }
}
