import CDeviceMapper

/// A block device's major:minor pair.
public struct DeviceNumber: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let major: UInt32
    public let minor: UInt32

    public init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    /// Decodes a `dev_t` (`st_rdev`) as glibc's `major()` and `minor()` do.
    public init(rawDevice: UInt64) {
        self.init(major: dmsnap_dev_major(rawDevice), minor: dmsnap_dev_minor(rawDevice))
    }

    /// Parses "MAJ:MIN" as sysfs and mountinfo print it.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = UInt32(parts[0]), let minor = UInt32(parts[1]) else { return nil }
        self.init(major: major, minor: minor)
    }

    public var description: String { "\(major):\(minor)" }

    public static func < (lhs: DeviceNumber, rhs: DeviceNumber) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}
