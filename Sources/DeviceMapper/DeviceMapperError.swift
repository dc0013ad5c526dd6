/// A device-mapper call that failed: which call, on which device, and why,
/// in libdevmapper's own words.
public struct DeviceMapperError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The device-mapper operation that failed, spelled as `dmsetup` spells it.
    public enum Operation: String, Sendable {
        case version, list, info, create, load, suspend, resume, remove, rename
        case message, status, table, deps
        case udevWait = "udev wait"
    }

    /// What went wrong, for callers that react differently to each.
    public enum Kind: Equatable, Sendable {
        /// The kernel has no device-mapper driver (or /dev/mapper/control is missing).
        case driverMissing
        /// The caller is not allowed to open /dev/mapper/control.
        case permissionDenied
        case noSuchDevice
        case deviceExists
        case deviceBusy
        /// The kernel refused a table line or a message.
        case rejected
        /// Input that dmsnap refuses before it reaches the kernel.
        case invalidArgument
        /// udev did not confirm the device node before the deadline.
        case udevTimeout
        case failed
    }

    public let operation: Operation
    public let device: String?
    public let kind: Kind
    /// What libdevmapper logged at error level during the call, or dmsnap's own reason.
    public let message: String
    /// The errno of the failed ioctl, 0 when there was none.
    public let errno: Int32

    public init(_ operation: Operation, device: String?, kind: Kind, message: String, errno: Int32 = 0) {
        self.operation = operation
        self.device = device
        self.kind = kind
        self.message = message
        self.errno = errno
    }

    public var description: String {
        var text = "device-mapper \(operation.rawValue)"
        if let device { text += " of \(device)" }
        text += " failed: \(message)"
        if case .driverMissing = kind {
            text += " (load the driver with `modprobe dm-mod`, or boot a kernel built with CONFIG_BLK_DEV_DM)"
        }
        return text
    }
}
