/// The number that names a thin device inside its pool.
///
/// The pool's metadata keys devices by 24 bits (`MAX_DEV_ID` in dm-thin), so
/// anything larger is refused here rather than by the kernel.
public struct ThinDeviceID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let range: ClosedRange<UInt32> = 0...0xFF_FFFF

    public let value: UInt32

    /// Checks that `value` fits in 24 bits.
    public init(_ value: some BinaryInteger) throws(TargetArgumentError) {
        guard let value = UInt32(exactly: value), Self.range.contains(value) else {
            throw TargetArgumentError("thin device id", value: "\(value)",
                                      reason: .outOfRange(UInt64(Self.range.lowerBound)...UInt64(Self.range.upperBound)))
        }
        self.value = value
    }

    public var description: String { String(value) }

    public static func < (lhs: ThinDeviceID, rhs: ThinDeviceID) -> Bool { lhs.value < rhs.value }
}

extension ThinDeviceID: ExpressibleByIntegerLiteral {
    /// A literal id, as in `.createThin(7)`.
    ///
    /// Swift reads `ThinDeviceID(7)` with a literal as this coercion, not as the
    /// throwing initializer, so a literal out of range traps, as `UInt8(300)`
    /// fails to compile. Values known only at run time take the throwing path.
    public init(integerLiteral value: UInt32) {
        precondition(Self.range.contains(value), "thin device id \(value) does not fit in 24 bits")
        self.value = value
    }
}
