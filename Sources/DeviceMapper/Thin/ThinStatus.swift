/// What a `thin` target reports in its status line:
/// `<mapped sectors> <highest mapped sector>|-`, or `Fail` when its pool has failed.
public enum ThinStatus: Sendable, Equatable {
    /// `mappedSectors` counts whole data blocks, in sectors, including blocks
    /// shared with snapshots. `highestMappedSector` is the last sector of the
    /// highest mapped block, nil when nothing is mapped.
    case active(mappedSectors: UInt64, highestMappedSector: UInt64?)
    /// The pool has failed; the kernel reports nothing else.
    case poolFailed

    /// The mapped sectors, nil when the pool has failed.
    public var mappedSectors: UInt64? {
        if case .active(let mapped, _) = self { mapped } else { nil }
    }
}

extension ThinStatus {
    /// Parses the status parameters of a `thin` target.
    ///
    /// Throws `ThinStatusError` quoting the line when it is malformed, or when
    /// the kernel printed `Error` instead of a status.
    public init(parsing line: String) throws(ThinStatusError) {
        switch line.trimmingSpaces {
        case "Fail":
            self = .poolFailed
            return
        case "Error":
            throw ThinStatusError(target: "thin", line: line, kind: .kernelReportedError)
        default:
            break
        }
        // dm-thin also prints a lone "-" when the target has no open thin
        // device, which cannot happen once its constructor succeeded; it falls
        // through to the malformed case with the rest.
        var fields = StatusFields(target: "thin", line: line)
        let mapped = try fields.number("mapped sectors")
        let highest = try fields.optionalNumber("highest mapped sector")
        // Fields a later kernel may append are ignored, as for the pool.
        self = .active(mappedSectors: mapped, highestMappedSector: highest)
    }

    /// Parses one status line of a device, which must be a `thin` target.
    public init(parsing line: TargetLine) throws(ThinStatusError) {
        guard line.type == "thin" else {
            throw ThinStatusError(target: "thin", line: line.parameters,
                                  kind: .malformed(reason: "the target is \(line.type.debugDescription), not thin"))
        }
        try self.init(parsing: line.parameters)
    }
}
