/// A liblvm2cmd session: LVM commands run in this process, with LVM's
/// messages captured and its failures turned into `LVMError`.
///
/// A session may be used from any thread or task. Every call runs on the one
/// queue all sessions share (liblvm2cmd is not thread-safe and keeps process-wide
/// state), so calls wait for each other; a command holds the queue as long as
/// LVM takes, which can be seconds.
///
/// A session holds one handle at a time. Reports reuse it; any other command
/// retires it, and the next call starts a fresh one. liblvm2cmd keeps per-command
/// state in the handle and does not reset all of it: after `lvchange -an` or
/// `vgchange -an`, `cmd->process_component_lvs` stays set, and a later
/// `vgchange -ay` on the same handle tries to activate the pool's hidden
/// `_tmeta`/`_tdata` and fails (LVM 2.03.16). A process per command, as the
/// CLI has, never sees this.
///
/// Close a session when done with it; deinit closes one that was not.
public final class LVMSession: @unchecked Sendable {
    // Sendable by hand: the mutable state is only read or written on `LibLVM2Cmd.queue`.
    private var handle: LibLVM2Cmd.Handle?
    private var closed = false

    /// Starts liblvm2cmd: reads lvm.conf and sets up LVM's caches.
    /// The corresponding C function is `lvm2_init`.
    public init() throws(LVMError) {
        handle = try LibLVM2Cmd.serialized { () throws(LVMError) -> LibLVM2Cmd.Handle in
            try Self.makeHandle()
        }
    }

    deinit { close() }

    /// Releases the handle; later calls throw `LVMError.sessionClosed`.
    /// Closing twice does nothing. The corresponding C function is `lvm2_exit`.
    public func close() {
        LibLVM2Cmd.serialized {
            retireHandle()
            closed = true
        }
    }

    public var isClosed: Bool { LibLVM2Cmd.serialized { closed } }

    /// Runs a command line built from checked arguments: the escape hatch for
    /// commands the typed operations do not cover.
    /// The corresponding C function is `lvm2_run`.
    @discardableResult
    public func run(_ command: LVMCommand, arguments: [LVMArgument]) throws(LVMError) -> LVMOutput {
        try run(LVMCommandLine(command, arguments))
    }

    /// Runs one command line. Throws `LVMError.commandFailed` with what LVM
    /// logged at error level when `lvm2_run` does not report success.
    /// The corresponding C function is `lvm2_run`.
    @discardableResult
    public func run(_ commandLine: LVMCommandLine) throws(LVMError) -> LVMOutput {
        let text = commandLine.text
        return try LibLVM2Cmd.serialized { () throws(LVMError) -> LVMOutput in
            guard !closed else { throw LVMError.sessionClosed }
            let current: LibLVM2Cmd.Handle
            if let handle {
                current = handle
            } else {
                current = try Self.makeHandle()
                handle = current
            }
            let (status, log) = LibLVM2Cmd.run(current, text)
            if !commandLine.command.isReport { retireHandle() }
            guard status == .succeeded else {
                throw LVMError.commandFailed(.init(
                    command: commandLine.command, commandLine: text, status: status,
                    errors: log.filter(\.isError).map(\.text)))
            }
            return LVMOutput(commandLine: commandLine, messages: log)
        }
    }

    /// Call on the queue only.
    private static func makeHandle() throws(LVMError) -> LibLVM2Cmd.Handle {
        let (handle, log) = LibLVM2Cmd.initialize()
        guard let handle else {
            throw LVMError.initializationFailed(errors: log.filter(\.isError).map(\.text))
        }
        return handle
    }

    /// Call on the queue only.
    private func retireHandle() {
        if let handle { LibLVM2Cmd.exit(handle) }
        handle = nil
    }
}
