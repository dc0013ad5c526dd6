/// What the kernel says of one mapped device (`dmsetup info`).
public struct DeviceInfo: Equatable, Sendable {
    public var name: String
    public var uuid: String?
    public var number: DeviceNumber
    public var openCount: Int32
    public var eventNumber: UInt32
    public var isSuspended: Bool
    public var isReadOnly: Bool
    public var hasLiveTable: Bool
    public var hasInactiveTable: Bool
    public var targetCount: Int32

    /// /dev/mapper/NAME, the node udev (or libdevmapper) makes for the device.
    public var path: String { "/dev/mapper/\(name)" }
}

/// One entry of `dmsnap dm ls`.
public struct DeviceSummary: Equatable, Sendable {
    public var name: String
    public var number: DeviceNumber
}
