import Foundation

/// The fuzz run's counts and findings, shared by its workers.
final class FuzzTally: @unchecked Sendable {
    struct Finding {
        let index: Int
        let command: String
        let vector: String
        let problems: [String]
        let stderr: String
    }

    private let lock = NSLock()
    private(set) var tried = 0
    private(set) var accepted = 0
    private(set) var rejected = 0
    private(set) var crashes = 0
    private(set) var findings: [Finding] = []
    private(set) var perCommand: [String: Int] = [:]
    private(set) var largestVector = 0

    func record(command: String, bytes: Int, status: Int32?, finding: Finding?) {
        lock.withLock {
            tried += 1
            largestVector = max(largestVector, bytes)
            perCommand[command, default: 0] += 1
            if status == 0 { accepted += 1 } else { rejected += 1 }
            if let finding {
                findings.append(finding)
                if finding.problems.contains(where: { $0.hasPrefix("crashed") || $0.hasPrefix("hung") }) { crashes += 1 }
            }
        }
    }

    func summary(seed: UInt64, seconds: Double) -> String {
        lock.withLock {
            """
            fuzz: seed \(seed): \(tried) vectors over \(perCommand.count) commands in \(String(format: "%.0f", seconds)) s \
            (\(String(format: "%.1f", Double(tried) / max(seconds, 0.001))) per second; CPU: \(Self.cpuSeconds(RUSAGE_CHILDREN)) s \
            in dmsnap, \(Self.cpuSeconds(RUSAGE_SELF)) s in the test): \(rejected) rejected, \(accepted) accepted, \
            \(crashes) crashes or hangs, \(findings.count) with a problem; the largest vector \(largestVector / 1024) KiB
            """
        }
    }

    private static func cpuSeconds(_ who: __rusage_who) -> String {
        var usage = rusage()
        getrusage(__rusage_who_t(who.rawValue), &usage)
        let micros = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000 + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec
        return String(format: "%.0f", Double(micros) / 1e6)
    }
}
