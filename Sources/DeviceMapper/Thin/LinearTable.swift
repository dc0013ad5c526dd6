/// The table line of a `linear` target: `start length linear DEVICE OFFSET`,
/// which maps the sectors onto `device` from `offset` on.
public struct LinearTable: Sendable, Equatable {
    public let start: UInt64
    public let length: UInt64
    public let device: DeviceReference
    /// The first sector of `device` that is mapped.
    public let offset: UInt64

    public init(start: UInt64 = 0, length: UInt64, device: DeviceReference, offset: UInt64 = 0) throws(TargetArgumentError) {
        try validateExtent(start: start, length: length)
        if offset.addingReportingOverflow(length).overflow {
            throw TargetArgumentError("linear offset", value: "\(offset)", reason: .endsPastLastSector)
        }
        self.start = start
        self.length = length
        self.device = device
        self.offset = offset
    }

    public var targetLine: TargetLine {
        TargetLine(start: start, length: length, type: "linear", parameters: "\(device.argument) \(offset)")
    }
}
