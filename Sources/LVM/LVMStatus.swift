/// What `lvm2_run` returned for one command (the `LVM2_*` return values in lvm2cmd.h).
public enum LVMStatus: Sendable, Hashable, CustomStringConvertible {
    case succeeded
    /// The first word of the command line is not an LVM command.
    case noSuchCommand
    /// LVM refused the options or arguments before touching any metadata.
    case invalidParameters
    /// LVM could not set up the command (configuration, locking, device cache).
    case initializationFailed
    /// The command ran and failed.
    case processingFailed
    /// A code lvm2cmd.h does not list.
    case unknown(Int32)

    public var returnCode: Int32 {
        switch self {
        case .succeeded: 1
        case .noSuchCommand: 2
        case .invalidParameters: 3
        case .initializationFailed: 4
        case .processingFailed: 5
        case .unknown(let code): code
        }
    }

    public init(returnCode: Int32) {
        self = switch returnCode {
        case 1: .succeeded
        case 2: .noSuchCommand
        case 3: .invalidParameters
        case 4: .initializationFailed
        case 5: .processingFailed
        default: .unknown(returnCode)
        }
    }

    public var description: String {
        switch self {
        case .succeeded: "succeeded"
        case .noSuchCommand: "no such command"
        case .invalidParameters: "invalid parameters"
        case .initializationFailed: "initialisation failed"
        case .processingFailed: "processing failed"
        case .unknown(let code): "unknown result \(code)"
        }
    }
}
