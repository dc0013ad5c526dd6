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
