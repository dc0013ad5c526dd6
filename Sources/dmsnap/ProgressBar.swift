import Foundation

/// A one-line progress bar on standard error, redrawn in place, for copies and
/// restores that take more than a moment: bytes done of total, the rate and
/// the time left. Only on a terminal: a script reading stderr gets the final
/// line alone.
final class ProgressBar {
    private let label: String
    private let onTerminal = isatty(STDERR_FILENO) == 1
    private var lastDrawn = Date.distantPast
    private var lastLine = ""

    init(_ label: String) {
        self.label = label
    }

    /// `remainSeconds` nil: no rate measured yet.
    func update(done: UInt64, total: UInt64, bytesPerSecond: Double, remainSeconds: Int?) {
        lastLine = Self.line(label: label, done: done, total: total, bytesPerSecond: bytesPerSecond, remainSeconds: remainSeconds)
        // Ten redraws a second are plenty and cost the copy nothing.
        guard onTerminal, Date().timeIntervalSince(lastDrawn) >= 0.1 else { return }
        lastDrawn = Date()
        FileHandle.standardError.write(Data("\r\u{1B}[K\(lastLine)".utf8))
    }

    /// Leaves the last state on its own line.
    func finish() {
        guard !lastLine.isEmpty else { return }
        FileHandle.standardError.write(Data(((onTerminal ? "\r\u{1B}[K" : "") + lastLine + "\n").utf8))
    }

    static func line(label: String, done: UInt64, total: UInt64, bytesPerSecond: Double, remainSeconds: Int?) -> String {
        let fraction = total == 0 ? 1 : min(1, Double(done) / Double(total))
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let rate = bytesPerSecond > 0 ? "\(ByteSize.format(UInt64(bytesPerSecond)))/s" : "-"
        let left = remainSeconds.map { "\(clock($0)) left" } ?? "estimating"
        return "\(label) [\(bar)] \(Int(fraction * 100))%  \(ByteSize.format(done)) of \(ByteSize.format(total))  \(rate)  \(left)"
    }

    private static func clock(_ seconds: Int) -> String {
        let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }
}
