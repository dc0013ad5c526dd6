/// The table line of a `thin` target: `start length thin POOL DEV_ID [EXTERNAL_ORIGIN]`.
///
/// The thin device `id` must already exist in the pool (`create_thin` or
/// `create_snap`); loading the table only opens it.
public struct ThinVolumeTable: Sendable, Equatable {
    public let start: UInt64
    /// The volume's virtual size in sectors, which may exceed the pool's data.
    public let length: UInt64
    /// The pool device, e.g. `/dev/mapper/pool` or its `MAJ:MIN`.
    public let pool: DeviceReference
    public let id: ThinDeviceID
    /// A read-only device outside the pool that supplies every block the thin
    /// device has not written yet.
    public let externalOrigin: DeviceReference?

    public init(
        start: UInt64 = 0,
        length: UInt64,
        pool: DeviceReference,
        id: ThinDeviceID,
        externalOrigin: DeviceReference? = nil
    ) throws(TargetArgumentError) {
        try validateExtent(start: start, length: length)
        // The kernel compares the two arguments as strings and refuses a match
        // ("Error setting origin device"); refuse it here with the value named.
        if let externalOrigin, externalOrigin == pool {
            throw TargetArgumentError("external origin", value: externalOrigin.argument, reason: .originIsThePool)
        }
        self.start = start
        self.length = length
        self.pool = pool
        self.id = id
        self.externalOrigin = externalOrigin
    }

    public var targetLine: TargetLine {
        var arguments = [pool.argument, id.description]
        if let externalOrigin { arguments.append(externalOrigin.argument) }
        return TargetLine(start: start, length: length, type: "thin", parameters: arguments.joined(separator: " "))
    }
}
