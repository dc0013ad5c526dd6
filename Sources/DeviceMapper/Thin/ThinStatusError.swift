/// A status line of a `thin-pool` or `thin` target that dmsnap could not turn
/// into a status, with the line quoted.
public struct ThinStatusError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The line does not have the shape the kernel documents; `reason` says where.
        case malformed(reason: String)
        /// The kernel printed `Error`: it failed to read the pool's metadata
        /// while building the status (dm-thin logs the cause in the kernel log).
        case kernelReportedError
    }

    /// `thin-pool` or `thin`.
    public let target: String
    /// The status parameters as the kernel returned them.
    public let line: String
    public let kind: Kind

    public init(target: String, line: String, kind: Kind) {
        self.target = target
        self.line = line
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .malformed(let reason):
            "cannot parse \(target) status \(line.debugDescription): \(reason)"
        case .kernelReportedError:
            "\(target) status is \(line.debugDescription): the kernel could not read the pool's metadata (see the kernel log)"
        }
    }
}
