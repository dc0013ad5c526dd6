import CDeviceMapper
import Foundation
import Synchronization

/// Devices to suspend at once, each on a thread of its own.
///
/// A thin device's suspend mostly waits (for the kernel's SRCU grace periods
/// and the pool's worker); one after another, a group of eight disks paid
/// those waits eight times inside its hold window. The threads start when the
/// batch is made, so that at `suspend()` they only have to be woken.
///
/// The devices must not stand on one another: a device is suspended after
/// what is stacked over it, never beside it. The ioctls go straight to
/// /dev/mapper/control, because libdevmapper's global state is not safe on
/// several threads; libdevmapper counts only the suspends it made itself, so
/// resuming these devices through it logs (and only logs) that its count
/// would go below zero.
public final class SuspendTogether: @unchecked Sendable {
    private let devices: [(name: String, options: DeviceMapper.SuspendOptions)]
    private let control: Int32
    private let start = DispatchSemaphore(value: 0)
    private let finished = DispatchGroup()
    private let statuses: Mutex<[Int32]>
    private let cancelled = Atomic<Bool>(false)
    // Only touched by the thread that made the batch.
    private var used = false

    /// Checks the names and the driver and starts a waiting thread per device;
    /// nothing is suspended yet. Call `suspend()` or `cancel()` once.
    public init(_ devices: [(name: String, options: DeviceMapper.SuspendOptions)]) throws(DeviceMapperError) {
        for device in devices { try DeviceName.validate(device.name, .suspend) }
        try DeviceMapper.requireDriver(.suspend, device: devices.first?.name)
        let control = open("/dev/mapper/control", O_RDWR | O_CLOEXEC)
        guard control >= 0 else {
            let code = errno
            throw DeviceMapperError(.suspend, device: devices.first?.name, kind: DMTask.kind(errno: code, operation: .suspend),
                                    message: "cannot open /dev/mapper/control: \(String(cString: strerror(code)))", errno: code)
        }
        self.devices = devices
        self.control = control
        statuses = Mutex([Int32](repeating: -ECANCELED, count: devices.count))
        // A thread's first malloc would give it an arena of its own, 64 MiB
        // mapped at once, which a hold's mlockall(MCL_FUTURE) locks: these
        // threads share the main arena instead.
        dmsnap_malloc_share_main_arena()
        for (index, device) in devices.enumerated() {
            finished.enter()
            let (name, skipLockfs, noFlush) = (device.name, device.options.contains(.skipLockfs), device.options.contains(.noFlush))
            let thread = Thread { [self] in
                start.wait()
                if !cancelled.load(ordering: .acquiring) {
                    let status = dmsnap_dm_suspend_direct(control, name, skipLockfs ? 1 : 0, noFlush ? 1 : 0)
                    statuses.withLock { $0[index] = status }
                }
                finished.leave()
            }
            // Locked too, the default 8 MiB stacks would each be made resident.
            thread.stackSize = Self.stackSize
            thread.start()
        }
    }

    private static let stackSize = 256 << 10

    /// Suspends every device at once and returns what happened to each, in
    /// order: nil where the device is now suspended.
    public func suspend() -> [DeviceMapperError?] {
        precondition(!used, "a SuspendTogether batch runs once")
        releaseThreads()
        return statuses.withLock { $0 }.enumerated().map { index, status in
            guard status != 0 else { return nil }
            return DeviceMapperError(.suspend, device: devices[index].name, kind: DMTask.kind(errno: -status, operation: .suspend),
                                     message: String(cString: strerror(-status)), errno: -status)
        }
    }

    /// Ends the threads of a batch that will not run; nothing is suspended.
    public func cancel() {
        guard !used else { return }
        cancelled.store(true, ordering: .releasing)
        releaseThreads()
    }

    /// Wakes every thread, waits until each has ended, and closes the control device.
    private func releaseThreads() {
        used = true
        for _ in devices { start.signal() }
        finished.wait()
        close(control)
    }
}
