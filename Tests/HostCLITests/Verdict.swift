import Foundation

/// What a run of dmsnap on hostile input must look like: no crash, no hang,
/// and a refusal that says why (an ECS verb: one JSON error object).
enum Verdict {
    /// Text a crashed Swift program leaves on stderr (a trap, fatalError,
    /// a precondition, the backtracer).
    static let crashMarkers = ["Fatal error", "Swift runtime failure", "Current stack trace", "💣 Program crashed",
                               "Illegal instruction", "Segmentation fault", "Stack dump", "Assertion failed", "Precondition failed"]

    /// Text that leaks an implementation detail instead of saying what is wrong.
    static let unclearMarkers = ["SQLite error", "DecodingError", "Error Domain=", "Optional(", "GRDB.", "Swift.",
                                 "NSCocoaErrorDomain", "dataCorrupted", "keyNotFound"]

    /// An error message echoes hostile input only escaped and cut short: a
    /// terminal must not act on it (escape sequences), a bidi override must not
    /// reorder the message, and a megabyte argument must not become a megabyte error.
    static let longestError = 16 * 1024

    static func rawControlCharacters(_ text: String) -> [Unicode.Scalar] {
        text.unicodeScalars.filter { scalar in
            switch scalar.value {
            case 0x0A, 0x09: false
            case 0x00...0x1F, 0x7F...0x9F, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
            default: false
            }
        }
    }

    /// The problems with one result; empty when it is fine.
    static func problems(_ result: Invocation.Result, ecsVerb: Bool) -> [String] {
        if let signal = result.signal { return ["crashed: killed by signal \(signal) (\(String(cString: strsignal(signal))))"] }
        if result.timedOut { return ["hung: killed after the timeout"] }
        let errors = result.errorText
        var found: [String] = []
        for marker in crashMarkers where errors.contains(marker) { found.append("crashed: stderr says \(marker.debugDescription)") }
        guard let status = result.status, status != 0 else { return found }
        let trimmed = errors.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return found + ["exit \(status) with nothing on stderr"] }
        for marker in unclearMarkers where errors.contains(marker) { found.append("unclear error: stderr shows \(marker.debugDescription)") }
        if result.errors.count > longestError { found.append("unclear error: \(result.errors.count) bytes on stderr") }
        let raw = rawControlCharacters(errors)
        if !raw.isEmpty {
            found.append("unsafe error: raw control characters on stderr: \(Set(raw.map { String($0.value, radix: 16) }).sorted())")
        }
        if ecsVerb {
            found += ecsErrorProblems(trimmed)
        } else if !(errors.hasPrefix("Error: ") || errors.hasPrefix("dmsnap: error: ")) {
            found.append("the error does not start with \"Error: \" or \"dmsnap: error: \"")
        }
        return found
    }

    /// An ECS verb fails with `{"RequestId","Code","Message"}` and nothing else on stderr.
    static func ecsErrorProblems(_ text: String) -> [String] {
        guard !text.contains("\n"),
              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            return ["an ECS verb's error is not one JSON object on one line"]
        }
        var found: [String] = []
        for key in ["RequestId", "Code", "Message"] where (object[key] as? String)?.isEmpty != false {
            found.append("the ECS error has no \(key)")
        }
        if object.count != 3 { found.append("the ECS error has members besides RequestId, Code and Message") }
        return found
    }

    /// An argument vector as a reader can paste it back, long values cut short.
    static func shown(_ vector: [[UInt8]]) -> String {
        vector.map { bytes in
            let text = String(decoding: bytes.prefix(120), as: UTF8.self).debugDescription
            return bytes.count > 120 ? "\(text)…(\(bytes.count) bytes)" : text
        }.joined(separator: " ")
    }
}
