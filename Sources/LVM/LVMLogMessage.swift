/// How loud an LVM log line is, as liblvm2cmd passes it to its log function.
///
/// The values are those of `LVM2_LOG_*` in lvm2cmd.h. Lower is more severe;
/// anything liblvm2cmd sends is kept, known level or not.
public struct LVMLogLevel: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let fatal = LVMLogLevel(rawValue: 2)
    public static let error = LVMLogLevel(rawValue: 3)
    /// Report lines, ordinary messages ("Logical volume "x" created.") and
    /// warnings ("WARNING: …") alike: LVM adds no flag that tells them apart.
    public static let print = LVMLogLevel(rawValue: 4)
    public static let verbose = LVMLogLevel(rawValue: 5)
    public static let veryVerbose = LVMLogLevel(rawValue: 6)
    public static let debug = LVMLogLevel(rawValue: 7)

    public static func < (lhs: LVMLogLevel, rhs: LVMLogLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .fatal: "fatal"
        case .error: "error"
        case .print: "print"
        case .verbose: "verbose"
        case .veryVerbose: "very verbose"
        case .debug: "debug"
        default: "level \(rawValue)"
        }
    }
}

/// One line LVM logged while a command ran.
public struct LVMLogMessage: Sendable, Hashable, CustomStringConvertible {
    public let level: LVMLogLevel
    public let text: String
    /// The LVM source file that logged it, as LVM names it (e.g. "toollib.c",
    /// "device_mapper/libdm-report.c"); empty when LVM gave none.
    public let file: String
    public let line: Int32

    public init(level: LVMLogLevel, text: String, file: String = "", line: Int32 = 0) {
        self.level = level
        self.text = text
        self.file = file
        self.line = line
    }

    /// A line of report output: libdm's report writer logs each line of a
    /// report, JSON included, at print level from libdm-report.c.
    public var isReportLine: Bool { level == .print && file.hasSuffix("libdm-report.c") }

    /// Fatal or error: what LVM says went wrong.
    public var isError: Bool { level <= .error }

    public var description: String { "[\(level)] \(text)" }
}
