/// Everything the LVM layer can fail with.
public enum LVMError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A value refused before any command line was built: nothing reached LVM.
    case invalidArgument(InvalidArgument)
    /// LVM ran a command and `lvm2_run` reported failure.
    case commandFailed(CommandFailure)
    /// `lvm2_init` returned no handle.
    case initializationFailed(errors: [String])
    /// The session was closed before this call.
    case sessionClosed
    /// A report command succeeded but its output was not the JSON expected.
    case malformedReport(command: LVMCommand, reason: String)

    /// A value that cannot be put on an LVM command line, and why.
    public struct InvalidArgument: Sendable, Hashable {
        /// What the value was meant to be, e.g. "logical volume name".
        public let what: String
        public let value: String
        public let reason: String

        public init(what: String, value: String, reason: String) {
            self.what = what
            self.value = value
            self.reason = reason
        }
    }

    /// A command LVM ran and failed, with LVM's own words for why.
    public struct CommandFailure: Sendable, Hashable {
        public let command: LVMCommand
        /// The whole line given to `lvm2_run`; every word on it was validated.
        public let commandLine: String
        public let status: LVMStatus
        /// What LVM logged at error or fatal level while the command ran, in order.
        public let errors: [String]

        public init(command: LVMCommand, commandLine: String, status: LVMStatus, errors: [String]) {
            self.command = command
            self.commandLine = commandLine
            self.status = status
            self.errors = errors
        }
    }

    static func invalid(_ what: String, _ value: String, _ reason: String) -> LVMError {
        .invalidArgument(InvalidArgument(what: what, value: value, reason: reason))
    }

    public var description: String {
        switch self {
        case .invalidArgument(let invalid):
            "invalid \(invalid.what) \(invalid.value.debugDescription): \(invalid.reason)"
        case .commandFailed(let failure):
            "\(failure.command) failed (\(failure.status), lvm2_run returned \(failure.status.returnCode)): "
                + (failure.errors.isEmpty ? "LVM logged no error" : failure.errors.joined(separator: "; "))
                + " [\(failure.commandLine)]"
        case .initializationFailed(let errors):
            "liblvm2cmd failed to initialise"
                + (errors.isEmpty ? "" : ": " + errors.joined(separator: "; "))
        case .sessionClosed:
            "the LVM session is closed"
        case .malformedReport(let command, let reason):
            "\(command) printed a report dmsnap cannot read: \(reason)"
        }
    }
}
