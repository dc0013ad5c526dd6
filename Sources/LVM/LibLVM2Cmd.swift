import CLVM2Cmd
import Dispatch
import Foundation

// Every liblvm2cmd call in dmsnap is in this file, so that one grep finds each
// place LVM runs.

/// liblvm2cmd, serialized.
///
/// liblvm2cmd is not thread-safe, and more of its state than the handle is
/// process-wide: the log function, the lvmcache, file locks, memlock counts. So
/// every call runs on one serial queue shared by every `LVMSession`, not one
/// queue per handle.
enum LibLVM2Cmd {
    /// The opaque `void *` that `lvm2_init` returns (a `struct cmd_context`).
    typealias Handle = UnsafeMutableRawPointer

    static let queue: DispatchQueue = {
        let queue = DispatchQueue(label: "dmsnap.lvm2cmd")
        queue.setSpecific(key: onQueue, value: ())
        return queue
    }()

    private static let onQueue = DispatchSpecificKey<Void>()

    static var isOnQueue: Bool { DispatchQueue.getSpecific(key: onQueue) != nil }

    /// Runs `body` on the queue and waits for it. Already on the queue (a session's deinit run from inside a
    /// call), it runs in place rather than deadlock on `sync`.
    static func serialized<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        if isOnQueue { return try body() }
        // Not under the DeviceMapper layer's libdevmapper lock: an LVM command
        // can wait on udev for a device that another thread of this process must
        // resume first, and holding the lock then deadlocked the process.
        let result: Result<T, E> = queue.sync { Result(catching: body) }
        return try result.get()
    }

    /// Installs the log capture and creates a handle.
    /// The corresponding C functions are `lvm2_log_fn` and `lvm2_init`.
    static func initialize() -> (handle: Handle?, log: [LVMLogMessage]) {
        dispatchPrecondition(condition: .onQueue(queue))
        // Inherited descriptors (virtme-ng leaves 3-5 open, so can a parent) make
        // LVM warn "File descriptor … leaked" on every command.
        setenv("LVM_SUPPRESS_FD_WARNINGS", "1", 1)
        var reason = [CChar](repeating: 0, count: 512)
        guard dmsnap_lvm2cmd_load(&reason, reason.count) == 0 else {
            let text = String(decoding: reason.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return (nil, [LVMLogMessage(level: .error, text: "LVM's library could not be loaded: \(text) (Debian and Ubuntu package it as liblvm2cmd2.03)")])
        }
        // The log function is process-wide and read on each message: setting it
        // again for each handle is harmless and covers every handle.
        dmsnap_lvm2_log_fn(captureLogMessage)
        capturedLog.removeAll()
        let handle = dmsnap_lvm2_init()
        return (handle, takeCapturedLog())
    }

    /// Runs one command line and returns its result with everything it logged.
    /// The corresponding C function is `lvm2_run`.
    static func run(_ handle: Handle, _ commandLine: String) -> (status: LVMStatus, log: [LVMLogMessage]) {
        dispatchPrecondition(condition: .onQueue(queue))
        capturedLog.removeAll()
        let code = dmsnap_lvm2_run(handle, commandLine)
        return (LVMStatus(returnCode: code), takeCapturedLog())
    }

    /// Releases a handle. The corresponding C function is `lvm2_exit`.
    static func exit(_ handle: Handle) {
        dispatchPrecondition(condition: .onQueue(queue))
        dmsnap_lvm2_exit(handle)
        capturedLog.removeAll()
    }

    private static func takeCapturedLog() -> [LVMLogMessage] {
        defer { capturedLog.removeAll() }
        return capturedLog
    }
}

/// Messages logged by the command running now.
///
/// A `@convention(c)` callback cannot capture context, so the buffer is global.
/// It is only touched on `LibLVM2Cmd.queue`: by the functions above, and by the
/// callback, which LVM calls synchronously from inside `lvm2_init`, `lvm2_run`
/// or `lvm2_exit`, all of which run on that queue. The callback checks this too.
nonisolated(unsafe) private var capturedLog: [LVMLogMessage] = []

/// Verbose and debug lines are hundreds per command and explain nothing a
/// caller acts on; they are dropped before a String is made of them.
private let capturedLevels = LVMLogLevel.fatal...LVMLogLevel.print

/// Receives every line LVM logs, one call per line. With a log function
/// installed, liblvm2cmd sends debug lines too whatever the verbosity, except
/// that silent mode (`-qq`) holds back print-level lines; it prints nothing
/// itself, but getopt's complaints and yes/no prompts still go to stderr.
private let captureLogMessage: lvm2_log_fn_t = { level, file, line, _, message in
    // Only calls made on the queue may log here; a message from any other thread
    // (nothing in dmsnap makes one) must not touch the buffer.
    guard let message, LibLVM2Cmd.isOnQueue else { return }
    let level = LVMLogLevel(rawValue: level)
    guard capturedLevels.contains(level) else { return }
    capturedLog.append(LVMLogMessage(
        level: level,
        text: String(cString: message),
        file: file.map { String(cString: $0) } ?? "",
        line: line))
}

extension LVMStatus {
    /// lvm2cmd.h's return values, for the unit test that pins `LVMStatus` to them.
    static let headerCodes: [LVMStatus: Int32] = [
        .succeeded: LVM2_COMMAND_SUCCEEDED,
        .noSuchCommand: LVM2_NO_SUCH_COMMAND,
        .invalidParameters: LVM2_INVALID_PARAMETERS,
        .initializationFailed: LVM2_INIT_FAILED,
        .processingFailed: LVM2_PROCESSING_FAILED,
    ]
}

extension LVMLogLevel {
    /// lvm2cmd.h's levels, for the unit test that pins `LVMLogLevel` to them.
    static let headerLevels: [LVMLogLevel: Int32] = [
        .fatal: LVM2_LOG_FATAL,
        .error: LVM2_LOG_ERROR,
        .print: LVM2_LOG_PRINT,
        .verbose: LVM2_LOG_VERBOSE,
        .veryVerbose: LVM2_LOG_VERY_VERBOSE,
        .debug: LVM2_LOG_DEBUG,
    ]
}
