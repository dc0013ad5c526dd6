/// One line of a device-mapper table or status: `start length type parameters`,
/// in 512-byte sectors.
public struct TargetLine: Sendable, Equatable {
    public var start: UInt64
    public var length: UInt64
    public var type: String
    public var parameters: String

    public init(start: UInt64, length: UInt64, type: String, parameters: String) {
        self.start = start
        self.length = length
        self.type = type
        self.parameters = parameters
    }
}
