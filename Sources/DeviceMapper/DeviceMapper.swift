import Foundation
import Synchronization

/// The kernel's device-mapper, through libdevmapper.
///
/// Knows nothing of snapshots, pools or IDs: it creates, loads, suspends,
/// resumes and removes mapped devices and reads what the kernel reports.
public struct DeviceMapper: Sendable {
    /// When nil, libdevmapper makes the /dev/mapper nodes itself and nothing waits for udev.
    public let udev: UdevSynchronization?

    public init(udev: UdevSynchronization? = UdevSynchronization()) {
        self.udev = udev
    }

    /// Options of `suspend`.
    public struct SuspendOptions: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Do not freeze the filesystem on the device (`dmsetup suspend --nolockfs`).
        public static let skipLockfs = SuspendOptions(rawValue: 1 << 0)
        /// Keep outstanding I/O queued instead of flushing it (`dmsetup suspend --noflush`).
        public static let noFlush = SuspendOptions(rawValue: 1 << 1)
    }

    // MARK: Versions and listing

    /// libdevmapper's version, e.g. "1.02.185 (2022-05-18)".
    public var libraryVersion: String { libraryVersionString() }

    /// The kernel driver's version, e.g. "4.47.0".
    public func driverVersion() throws(DeviceMapperError) -> String {
        try perform(.version, .version, device: nil) { task throws(DeviceMapperError) in
            try task.run()
            return try task.driverVersion()
        }
    }

    /// Every mapped device, by name (`dmsetup ls`).
    public func list() throws(DeviceMapperError) -> [DeviceSummary] {
        try perform(.list, .list, device: nil) { task throws(DeviceMapperError) in
            try task.run()
            return try task.names().sorted { $0.name < $1.name }
        }
    }

    // MARK: One device

    /// The device's state, or nil when no device has that name.
    public func info(_ name: String) throws(DeviceMapperError) -> DeviceInfo? {
        try DeviceName.validate(name, .info)
        return try perform(.info, .info, device: name) { task throws(DeviceMapperError) in
            try task.run()
            return try task.info()
        }
    }

    /// Like `info`, but a missing device is an error.
    public func existingInfo(_ name: String, for operation: DeviceMapperError.Operation = .info) throws(DeviceMapperError) -> DeviceInfo {
        guard let info = try info(name) else {
            throw DeviceMapperError(operation, device: name, kind: .noSuchDevice, message: "no device-mapper device is named \(name)")
        }
        return info
    }

    /// Creates a device and makes `table` live (`dmsetup create`).
    public func create(_ name: String, uuid: String? = nil, table: [TargetLine], readOnly: Bool = false) throws(DeviceMapperError) {
        try DeviceName.validate(name, .create)
        if let uuid { try DeviceName.validateUUID(uuid, device: name, .create) }
        try Self.validate(table, device: name, .create)
        try perform(.create, .create, device: name) { task throws(DeviceMapperError) in
            if let uuid { try task.setUUID(uuid) }
            if readOnly { try task.setReadOnly() }
            for line in table {
                try task.addTarget(start: line.start, length: line.length, type: line.type, parameters: line.parameters)
            }
            try task.run(udev: udev)
        }
    }

    /// Loads `table` into the inactive slot; the next `resume` makes it live (`dmsetup load`).
    public func load(_ name: String, table: [TargetLine], readOnly: Bool = false) throws(DeviceMapperError) {
        try DeviceName.validate(name, .load)
        try Self.validate(table, device: name, .load)
        try perform(.reload, .load, device: name) { task throws(DeviceMapperError) in
            if readOnly { try task.setReadOnly() }
            for line in table {
                try task.addTarget(start: line.start, length: line.length, type: line.type, parameters: line.parameters)
            }
            try task.run()
        }
    }

    /// Loads `table` and swaps it in (`dmsetup reload`, `suspend`, `resume`).
    public func reload(_ name: String, table: [TargetLine], suspendOptions: SuspendOptions = []) throws(DeviceMapperError) {
        try load(name, table: table)
        try suspend(name, options: suspendOptions)
        try resume(name)
    }

    /// Suspends the device: I/O is queued, and unless `.skipLockfs` the filesystem on it is frozen.
    public func suspend(_ name: String, options: SuspendOptions = []) throws(DeviceMapperError) {
        try DeviceName.validate(name, .suspend)
        try perform(.suspend, .suspend, device: name) { task throws(DeviceMapperError) in
            if options.contains(.skipLockfs) { try task.skipLockfs() }
            if options.contains(.noFlush) { try task.noFlush() }
            try task.run()
        }
    }

    /// Resumes the device, making a loaded inactive table live.
    public func resume(_ name: String) throws(DeviceMapperError) {
        try DeviceName.validate(name, .resume)
        try perform(.resume, .resume, device: name) { task throws(DeviceMapperError) in
            try task.run(udev: udev)
        }
    }

    /// Resumes a device that was suspended with its table unchanged (to send a
    /// message, or to hold it for an instant), and returns as soon as the ioctl
    /// has: its node does not change, so nothing waits for udev, which handles
    /// the change event on its own, as after `dmsetup resume --noudevsync`.
    /// The wait was most of a snapshot's time: udev's rules run
    /// `dmsetup udevflags` and `dmsetup udevcomplete` for the event. An opener
    /// that udev leaves for an instant (blkid) is what `isStillOpen` allows for.
    ///
    /// udev synchronisation is switched off for the call, not merely left
    /// without a cookie: with it on, libdevmapper flags the event so that udev
    /// drops the /dev/mapper link and makes it itself, which it does not do
    /// for a device whose link is still there.
    public func resumeUnchanged(_ name: String) throws(DeviceMapperError) {
        try DeviceName.validate(name, .resume)
        try perform(.resume, .resume, device: name, udevSync: false) { task throws(DeviceMapperError) in
            try task.run(udev: nil)
        }
    }

    /// Removes the device, retrying while udev or blkid briefly hold it open.
    public func remove(_ name: String) throws(DeviceMapperError) {
        try DeviceName.validate(name, .remove)
        try perform(.remove, .remove, device: name) { task throws(DeviceMapperError) in
            try task.retryRemove()
            try task.run(udev: udev)
        }
    }

    /// Renames the device (`dmsetup rename`); its UUID, table and users stay.
    public func rename(_ name: String, to newName: String) throws(DeviceMapperError) {
        try DeviceName.validate(name, .rename)
        try DeviceName.validate(newName, .rename)
        try perform(.rename, .rename, device: name) { task throws(DeviceMapperError) in
            try task.setNewName(newName)
            try task.run(udev: udev)
        }
    }

    /// Sends a target message (`dmsetup message NAME SECTOR MESSAGE`) and returns the target's reply, if any.
    @discardableResult
    public func message(_ name: String, sector: UInt64 = 0, _ message: String) throws(DeviceMapperError) -> String? {
        try DeviceName.validate(name, .message)
        if message.isEmpty || message.contains(where: { $0.isNewline || $0 == "\0" }) {
            throw DeviceMapperError(.message, device: name, kind: .invalidArgument,
                                    message: "invalid target message \(message.debugDescription)")
        }
        return try perform(.message, .message, device: name) { task throws(DeviceMapperError) in
            try task.setMessage(message, sector: sector)
            try task.run()
            return task.messageResponse()
        }
    }

    /// The live table's status lines (`dmsetup status`). With `noFlush`, a thin pool
    /// reports without committing its metadata first.
    public func status(_ name: String, noFlush: Bool = false) throws(DeviceMapperError) -> [TargetLine] {
        try DeviceName.validate(name, .status)
        return try perform(.status, .status, device: name) { task throws(DeviceMapperError) in
            if noFlush { try task.noFlush() }
            try task.run()
            try Self.requireExisting(task, name, .status)
            return task.targets()
        }
    }

    /// The live table (`dmsetup table`).
    public func table(_ name: String) throws(DeviceMapperError) -> [TargetLine] {
        try DeviceName.validate(name, .table)
        return try perform(.table, .table, device: name) { task throws(DeviceMapperError) in
            try task.run()
            try Self.requireExisting(task, name, .table)
            return task.targets()
        }
    }

    /// The live table, or nil for a device gone since it was listed (another
    /// program may remove its devices while a scan walks the list).
    public func tableIfPresent(_ name: String) throws(DeviceMapperError) -> [TargetLine]? {
        do {
            return try table(name)
        } catch where error.kind == .noSuchDevice {
            return nil
        }
    }

    /// The devices this one is built on (`dmsetup deps`).
    public func deps(_ name: String) throws(DeviceMapperError) -> [DeviceNumber] {
        try DeviceName.validate(name, .deps)
        return try perform(.deps, .deps, device: name) { task throws(DeviceMapperError) in
            try task.run()
            try Self.requireExisting(task, name, .deps)
            return try task.deps()
        }
    }

    // MARK: Plumbing

    private func perform<T>(
        _ type: TaskType, _ operation: DeviceMapperError.Operation, device: String?, udevSync: Bool? = nil,
        _ body: (DMTask) throws(DeviceMapperError) -> T
    ) throws(DeviceMapperError) -> T {
        // Every task, not only the first of a run: libdevmapper would otherwise
        // mknod /dev/mapper/control on a kernel without the driver.
        try Self.requireDriver(operation, device: device)
        do {
            return try withLibDeviceMapper(udevSync: udevSync ?? (udev != nil)) {
                let task = try DMTask(type, operation, device: device)
                return try body(task)
            }
        } catch let error as DeviceMapperError {
            throw error
        } catch {
            throw DeviceMapperError(operation, device: device, kind: .failed, message: "\(error)")
        }
    }

    /// Status, table and deps of a missing device "succeed" with nothing in them.
    private static func requireExisting(_ task: DMTask, _ name: String, _ operation: DeviceMapperError.Operation) throws(DeviceMapperError) {
        if try task.info() == nil {
            throw DeviceMapperError(operation, device: name, kind: .noSuchDevice, message: "no device-mapper device is named \(name)")
        }
    }

    private static func validate(_ table: [TargetLine], device: String, _ operation: DeviceMapperError.Operation) throws(DeviceMapperError) {
        if table.isEmpty {
            throw DeviceMapperError(operation, device: device, kind: .invalidArgument, message: "the table is empty")
        }
        for line in table {
            let text = line.type + " " + line.parameters
            if line.length == 0 || text.contains(where: { $0.isNewline || $0 == "\0" }) {
                throw DeviceMapperError(operation, device: device, kind: .invalidArgument,
                                        message: "invalid table line \(String(describing: line).debugDescription)")
            }
        }
    }

    /// Checks for the driver before libdevmapper would try (as root) to create
    /// /dev/mapper/control on a kernel that has no device-mapper.
    /// Once found, the driver stays for the life of the process: libdevmapper
    /// keeps /dev/mapper/control open, which pins the module. Reading /proc/misc
    /// before every task cost a group's hold four syscalls per ioctl.
    static func requireDriver(_ operation: DeviceMapperError.Operation, device: String? = nil) throws(DeviceMapperError) {
        if driverFound.load(ordering: .acquiring) { return }
        let misc = (try? String(contentsOfFile: "/proc/misc", encoding: .utf8)) ?? ""
        guard misc.contains("device-mapper") else {
            throw DeviceMapperError(operation, device: device, kind: .driverMissing,
                                    message: "this kernel has no device-mapper driver (/proc/misc lists none)")
        }
        driverFound.store(true, ordering: .releasing)
    }

    private static let driverFound = Atomic<Bool>(false)
}
