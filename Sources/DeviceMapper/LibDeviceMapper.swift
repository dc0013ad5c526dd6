import CDeviceMapper
import Foundation

// Every libdevmapper call in dmsnap is in this file, so that one grep finds each
// ioctl dmsnap can issue.

/// One captured libdevmapper log message.
struct LogMessage: Sendable {
    var level: Int32
    var errno: Int32
    var text: String
}

/// libdevmapper keeps global state (the log function, the udev switch, its node
/// operation queue) and is not thread-safe, so one lock serializes every task
/// and owns the log messages captured while it is held. The lock is the one
/// liblvm2cmd calls take too (`dmsnap_libdm_lock`): LVM shares the library.
// Only read or written while the lock is held.
nonisolated(unsafe) private var capturedLog: [LogMessage] = []

/// libdevmapper's levels: 3 error, 4 warning. Notices and debug output are not
/// needed to explain a failure and are dropped in C before formatting.
private let capturedLogLevel: Int32 = 4

/// Runs `body` with libdevmapper to itself; `DMTask` reads what is logged meanwhile.
/// The log function and the udev switch are process-wide, and liblvm2cmd sets
/// its own log function, so both are set for each call.
/// The corresponding C functions are `dm_log_with_errno_init` and `dm_udev_set_sync_support`.
func withLibDeviceMapper<T>(udevSync: Bool, _ body: () throws -> T) rethrows -> T {
    dmsnap_libdm_lock()
    defer {
        capturedLog.removeAll(keepingCapacity: true)
        dmsnap_libdm_unlock()
    }
    dmsnap_dm_log_capture({ level, errno, message in
        guard let message else { return }
        capturedLog.append(LogMessage(level: level, errno: errno, text: String(cString: message)))
    }, capturedLogLevel)
    capturedLog.removeAll(keepingCapacity: true)
    dm_udev_set_sync_support(udevSync ? 1 : 0)
    return try body()
}

/// The dm_task types dmsnap uses.
enum TaskType {
    case create, reload, remove, rename, suspend, resume, info, deps, status, table, list, version, message

    var rawValue: Int32 {
        switch self {
        case .create: Int32(DM_DEVICE_CREATE)
        case .reload: Int32(DM_DEVICE_RELOAD)
        case .remove: Int32(DM_DEVICE_REMOVE)
        case .rename: Int32(DM_DEVICE_RENAME)
        case .suspend: Int32(DM_DEVICE_SUSPEND)
        case .resume: Int32(DM_DEVICE_RESUME)
        case .info: Int32(DM_DEVICE_INFO)
        case .deps: Int32(DM_DEVICE_DEPS)
        case .status: Int32(DM_DEVICE_STATUS)
        case .table: Int32(DM_DEVICE_TABLE)
        case .list: Int32(DM_DEVICE_LIST)
        case .version: Int32(DM_DEVICE_VERSION)
        case .message: Int32(DM_DEVICE_TARGET_MSG)
        }
    }
}

/// One libdevmapper task (`struct dm_task`). Only use inside `withLibDeviceMapper`.
final class DMTask {
    private let handle: OpaquePointer
    let operation: DeviceMapperError.Operation
    let device: String?

    /// The corresponding C function is `dm_task_create`.
    init(_ type: TaskType, _ operation: DeviceMapperError.Operation, device: String?) throws(DeviceMapperError) {
        guard let handle = dm_task_create(type.rawValue) else {
            throw DeviceMapperError(operation, device: device, kind: .failed, message: "dm_task_create failed (out of memory?)")
        }
        self.handle = handle
        self.operation = operation
        self.device = device
        if let device {
            try check(dm_task_set_name(handle, device), "dm_task_set_name")
        }
    }

    deinit { dm_task_destroy(handle) }

    func setUUID(_ uuid: String) throws(DeviceMapperError) {
        try check(dm_task_set_uuid(handle, uuid), "dm_task_set_uuid")
    }

    /// The corresponding C function is `dm_task_add_target`.
    func addTarget(start: UInt64, length: UInt64, type: String, parameters: String) throws(DeviceMapperError) {
        try check(dm_task_add_target(handle, start, length, type, parameters), "dm_task_add_target")
    }

    func setMessage(_ message: String, sector: UInt64) throws(DeviceMapperError) {
        try check(dm_task_set_message(handle, message), "dm_task_set_message")
        try check(dm_task_set_sector(handle, sector), "dm_task_set_sector")
    }

    /// The corresponding C function is `dm_task_set_newname`.
    func setNewName(_ name: String) throws(DeviceMapperError) {
        try check(dm_task_set_newname(handle, name), "dm_task_set_newname")
    }

    func setReadOnly() throws(DeviceMapperError) { try check(dm_task_set_ro(handle), "dm_task_set_ro") }
    func skipLockfs() throws(DeviceMapperError) { try check(dm_task_skip_lockfs(handle), "dm_task_skip_lockfs") }
    func noFlush() throws(DeviceMapperError) { try check(dm_task_no_flush(handle), "dm_task_no_flush") }
    func noOpenCount() throws(DeviceMapperError) { try check(dm_task_no_open_count(handle), "dm_task_no_open_count") }
    /// Lets libdevmapper retry a remove that fails with EBUSY while udev or blkid still has the node open.
    func retryRemove() throws(DeviceMapperError) { try check(dm_task_retry_remove(handle), "dm_task_retry_remove") }

    /// Runs the ioctl. With `udev`, the task carries a udev cookie and this waits
    /// (up to the cookie's deadline) until udev has processed the event.
    /// The corresponding C functions are `dm_task_set_cookie`, `dm_task_run`,
    /// `dm_udev_wait_immediate` and `dm_task_update_nodes`.
    /// Runs the ioctl; with `udev`, on a new cookie that is waited for before
    /// returning (libdevmapper's dm_task_set_cookie and dm_udev_wait).
    func run(udev: UdevSynchronization? = nil) throws(DeviceMapperError) {
        var cookie: UInt32 = 0
        if let udev {
            try check(dm_task_set_cookie(handle, &cookie, udev.flags), "dm_task_set_cookie")
        }
        let succeeded = dm_task_run(handle) != 0
        let taskErrno = dm_task_get_errno(handle)
        // The cookie's semaphore exists even when the ioctl failed: always release it,
        // or a failed call leaks a SysV semaphore (moby#33603).
        var waitError: DeviceMapperError?
        if let udev {
            waitError = waitForUdevCookie(cookie, deadline: udev.deadline, device: device)
        } else {
            // Without a cookie libdevmapper only queues its /dev/mapper node changes.
            dm_task_update_nodes()
        }
        guard succeeded else {
            throw failure(errno: taskErrno, fallback: "the ioctl failed")
        }
        if let waitError { throw waitError }
    }

    /// The corresponding C function is `dm_task_get_info`.
    func info() throws(DeviceMapperError) -> DeviceInfo? {
        var info = dm_info()
        try check(dm_task_get_info(handle, &info), "dm_task_get_info")
        guard info.exists != 0 else { return nil }
        return DeviceInfo(
            name: dm_task_get_name(handle).map { String(cString: $0) } ?? device ?? "",
            uuid: dm_task_get_uuid(handle).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 },
            number: DeviceNumber(major: info.major, minor: info.minor),
            openCount: info.open_count,
            eventNumber: info.event_nr,
            isSuspended: info.suspended != 0,
            isReadOnly: info.read_only != 0,
            hasLiveTable: info.live_table != 0,
            hasInactiveTable: info.inactive_table != 0,
            targetCount: info.target_count)
    }

    /// The table or status lines; the corresponding C function is `dm_get_next_target`.
    func targets() -> [TargetLine] {
        var lines: [TargetLine] = []
        var next: UnsafeMutableRawPointer?
        repeat {
            var start: UInt64 = 0, length: UInt64 = 0
            var type: UnsafeMutablePointer<CChar>?, parameters: UnsafeMutablePointer<CChar>?
            next = dm_get_next_target(handle, next, &start, &length, &type, &parameters)
            if let type {
                lines.append(TargetLine(start: start, length: length, type: String(cString: type),
                                        parameters: parameters.map { String(cString: $0) } ?? ""))
            }
        } while next != nil
        return lines
    }

    /// The corresponding C function is `dm_task_get_names`.
    func names() throws(DeviceMapperError) -> [DeviceSummary] {
        guard var entry = UnsafePointer(dm_task_get_names(handle)) else {
            throw failure(errno: 0, fallback: "dm_task_get_names returned nothing")
        }
        // An empty list is a single entry with dev 0.
        guard dmsnap_dm_names_dev(entry) != 0 else { return [] }
        var devices: [DeviceSummary] = []
        while true {
            let dev = dmsnap_dm_names_dev(entry)
            devices.append(DeviceSummary(
                name: String(cString: dmsnap_dm_names_name(entry)),
                number: DeviceNumber(major: dmsnap_dev_major(dev), minor: dmsnap_dev_minor(dev))))
            guard let next = dmsnap_dm_names_next(entry) else { break }
            entry = next
        }
        return devices
    }

    /// The corresponding C function is `dm_task_get_deps`.
    func deps() throws(DeviceMapperError) -> [DeviceNumber] {
        guard let deps = UnsafePointer(dm_task_get_deps(handle)) else {
            throw failure(errno: 0, fallback: "dm_task_get_deps returned nothing")
        }
        return (0..<dmsnap_dm_deps_count(deps)).map { index in
            let dev = dmsnap_dm_deps_device(deps, index)
            return DeviceNumber(major: dmsnap_dev_major(dev), minor: dmsnap_dev_minor(dev))
        }
    }

    /// The corresponding C function is `dm_task_get_message_response`.
    func messageResponse() -> String? {
        guard let response = dm_task_get_message_response(handle) else { return nil }
        let text = String(cString: response)
        return text.isEmpty ? nil : text
    }

    /// The corresponding C function is `dm_task_get_driver_version`.
    func driverVersion() throws(DeviceMapperError) -> String {
        var buffer = [CChar](repeating: 0, count: 128)
        try check(dm_task_get_driver_version(handle, &buffer, buffer.count), "dm_task_get_driver_version")
        return String(nulTerminated: buffer)
    }

    private func check(_ result: Int32, _ function: String) throws(DeviceMapperError) {
        if result == 0 { throw failure(errno: 0, fallback: "\(function) failed") }
    }

    /// Turns what libdevmapper logged into the error's kind and message.
    private func failure(errno: Int32, fallback: String) -> DeviceMapperError {
        let errors = capturedLog.filter { $0.level <= 3 }
        let code = errno != 0 ? errno : (errors.last(where: { $0.errno > 0 })?.errno ?? 0)
        let message = errors.isEmpty ? fallback : errors.map(\.text).joined(separator: "; ")
        return DeviceMapperError(operation, device: device, kind: Self.kind(errno: code, operation: operation),
                                 message: message, errno: code)
    }

    static func kind(errno code: Int32, operation: DeviceMapperError.Operation) -> DeviceMapperError.Kind {
        switch code {
        case ENXIO, ENODEV: .noSuchDevice
        case EEXIST: .deviceExists
        case EBUSY: .deviceBusy
        case EACCES, EPERM: .permissionDenied
        case EINVAL where operation == .create || operation == .load || operation == .message: .rejected
        default: .failed
        }
    }
}

/// libdevmapper's own version string, e.g. "1.02.185 (2022-05-18)".
/// The corresponding C function is `dm_get_library_version`.
func libraryVersionString() -> String {
    var buffer = [CChar](repeating: 0, count: 128)
    guard dm_get_library_version(&buffer, buffer.count) != 0 else { return "unknown" }
    return String(nulTerminated: buffer)
}

extension String {
    /// The text before the first NUL of a buffer libdevmapper filled.
    init(nulTerminated buffer: [CChar]) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Waits (up to `deadline`) until udev has processed every event on `cookie`,
/// then frees the cookie. Called with the library's lock held.
/// The corresponding C functions are `dm_udev_wait_immediate` and `dm_udev_complete`.
func waitForUdevCookie(_ cookie: UInt32, deadline: Duration, device: String?) -> DeviceMapperError? {
    let clock = ContinuousClock()
    let end = clock.now.advanced(by: deadline)
    var ready: Int32 = 0
    while true {
        if dm_udev_wait_immediate(cookie, &ready) == 0 {
            return DeviceMapperError(.udevWait, device: device, kind: .failed,
                                     message: "dm_udev_wait_immediate failed for cookie \(cookie)")
        }
        if ready != 0 { return nil }
        if clock.now >= end { break }
        Thread.sleep(forTimeInterval: 0.001)
    }
    // udevd is dead or stuck: complete the cookie ourselves so its semaphore is freed.
    _ = dm_udev_complete(cookie)
    _ = dm_udev_wait_immediate(cookie, &ready)
    return DeviceMapperError(.udevWait, device: device, kind: .udevTimeout,
                             message: "udev did not process the event within \(deadline) (is udevd running?)")
}
