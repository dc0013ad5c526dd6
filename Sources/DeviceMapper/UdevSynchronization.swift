/// How a call that creates, resumes or removes a device waits for udev.
///
/// `dm_udev_wait` has no timeout, so a dead udevd would hang dmsnap; the wait is
/// a poll with `dm_udev_wait_immediate` bounded by `deadline`. The default is
/// generous because udev under an emulated (TCG) guest with a busy host has
/// been seen to need more than 10 s for one event.
public struct UdevSynchronization: Sendable {
    /// libdevmapper's DM_UDEV_* flags for the cookie; 0 lets udev run every rule.
    public var flags: UInt16
    public var deadline: Duration

    public init(flags: UInt16 = 0, deadline: Duration = .seconds(30)) {
        self.flags = flags
        self.deadline = deadline
    }
}

/// Resumes whose udev events are waited for once, together, as LVM does with
/// one cookie for many tasks: each device's I/O is released by its own resume
/// ioctl, not after the udev rules of the devices resumed before it. Create
/// one, pass it to `DeviceMapper.resume(_:joining:)` for each device, then call
/// `DeviceMapper.waitForUdev(_:)` once.
public final class PendingUdevEvents: @unchecked Sendable {
    // Only touched with libdevmapper's lock held (in `DeviceMapper`).
    var cookie: UInt32 = 0
    public private(set) var devices: [String] = []

    public init() {}

    func add(_ device: String) { devices.append(device) }
    func clear() { cookie = 0; devices = [] }
}
