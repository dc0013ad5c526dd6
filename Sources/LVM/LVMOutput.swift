/// What a command that succeeded logged, by level.
public struct LVMOutput: Sendable, Hashable {
    public let commandLine: LVMCommandLine
    /// Every line at print level or more severe, in the order LVM logged them.
    public let messages: [LVMLogMessage]

    public init(commandLine: LVMCommandLine, messages: [LVMLogMessage]) {
        self.commandLine = commandLine
        self.messages = messages
    }

    /// Lines logged at exactly `level`.
    public func lines(at level: LVMLogLevel) -> [String] {
        messages.filter { $0.level == level }.map(\.text)
    }

    /// Print-level lines: messages such as `Logical volume "x" created.`,
    /// warnings, and report lines.
    public var printed: [String] { lines(at: .print) }

    /// Lines LVM logged at error or fatal level, even though the command succeeded.
    public var errors: [String] { messages.filter(\.isError).map(\.text) }

    /// The report, each line as libdm's report writer logged it.
    public var reportLines: [String] { messages.filter(\.isReportLine).map(\.text) }
}
