/// A liblvm2cmd session: LVM commands run in this process, with LVM's
/// messages captured and its failures turned into `LVMError`.
///
/// A session may be used from any thread or task. Every call runs on the one
/// queue all sessions share (liblvm2cmd is not thread-safe and keeps process-wide
/// state), so calls wait for each other; a command holds the queue as long as
/// LVM takes, which can be seconds.
///
/// Each command gets a handle of its own, made just before it and released
/// just after, inside the same turn on the queue, as each LVM command process
/// would. Never two handles at once: `lvm2_exit` tears down process-wide state
/// (caches, config) that another live handle still points into, and a later
/// `lvm2_run` on that handle crashed in strcmp (LVM 2.03.16). A fresh handle
/// also points libdevmapper's log function back at LVM (the DeviceMapper layer
/// points it at its own capture for each of its calls; libdevmapper's report
/// writer prints through it), and starts without the per-command state an
/// old one keeps (`cmd->process_component_lvs` after `vgchange -an`).
///
/// Close a session when done with it.
public final class LVMSession: @unchecked Sendable {
    // Sendable by hand: the mutable state is only read or written on `LibLVM2Cmd.queue`.
    private var closed = false

    /// A session; LVM starts (`lvm2_init`) for each command it runs.
    public init() throws(LVMError) {}

    /// Later calls throw `LVMError.sessionClosed`. Closing twice does nothing.
    public func close() {
        LibLVM2Cmd.serialized { closed = true }
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
            let handle = try Self.makeHandle()
            let (status, log) = LibLVM2Cmd.run(handle, text)
            LibLVM2Cmd.exit(handle)
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

}
