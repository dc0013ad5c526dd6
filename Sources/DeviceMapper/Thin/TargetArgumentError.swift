/// A value refused before it could reach a table line or a pool message.
///
/// Table lines and messages are single strings the kernel splits on white space,
/// so an unchecked value could add arguments of its own; every value is checked
/// where it enters and this error names the value and the reason.
public struct TargetArgumentError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Why the value was refused.
    public enum Reason: Equatable, Sendable {
        case empty
        case tooLong(limit: Int)
        /// Neither an absolute path under /dev nor `MAJ:MIN`.
        case notADeviceReference
        case forbiddenCharacter(Character)
        /// An empty, `.` or `..` path component, which could lead out of /dev.
        case badPathComponent
        /// `MAJ:MIN` outside the kernel's 12-bit major, 20-bit minor.
        case deviceNumberOutOfRange
        case outOfRange(ClosedRange<UInt64>)
        case notAMultiple(of: UInt64)
        /// A target of zero sectors, which device-mapper refuses.
        case zeroLength
        /// `start + length` does not fit in 64 bits.
        case endsPastLastSector
        /// A thin volume whose external origin is its own pool.
        case originIsThePool
    }

    /// What the value was meant to be, e.g. "data block size".
    public let argument: String
    /// The refused value, as given.
    public let value: String
    public let reason: Reason

    public init(_ argument: String, value: String, reason: Reason) {
        self.argument = argument
        self.value = value
        self.reason = reason
    }

    public var description: String {
        "invalid \(argument) \(value.debugDescription): \(reason.explanation)"
    }
}

extension TargetArgumentError.Reason {
    var explanation: String {
        switch self {
        case .empty:
            "it is empty"
        case .tooLong(let limit):
            "longer than \(limit) bytes"
        case .notADeviceReference:
            "not an absolute /dev path or MAJ:MIN"
        case .forbiddenCharacter(let character):
            "character \(String(character).debugDescription) is not allowed (use letters, digits and + _ . - : # @ /)"
        case .badPathComponent:
            "it has an empty, '.' or '..' path component"
        case .deviceNumberOutOfRange:
            "the major must be below 4096 and the minor below 1048576"
        case .outOfRange(let range):
            "not in \(range.lowerBound)...\(range.upperBound)"
        case .notAMultiple(let unit):
            "not a multiple of \(unit)"
        case .zeroLength:
            "a target must cover at least one sector"
        case .endsPastLastSector:
            "start plus length overflows a 64-bit sector number"
        case .originIsThePool:
            "the external origin cannot be the pool itself"
        }
    }
}
