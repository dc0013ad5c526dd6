import Snapshots

/// Strings and numbers spelled exactly as Go's encoding/json writes them with
/// `SetEscapeHTML(false)`, which is how the aliyun CLI re-encodes every response
/// (openapi/commando.go, sortJSON) before printing it.
enum GoJSONText {
    /// A JSON string literal, escaped as Go escapes it (see `JSONWriter.quoted`).
    static func quoted(_ text: String) -> String {
        JSONWriter.quoted(text)
    }

    /// A float64 as encoding/json writes it: the shortest digits that read back
    /// to the same value, in plain notation unless the magnitude is below 1e-6
    /// or at least 1e21 (then `1e+21`, `1.5e-7`: exponent at least two digits
    /// when positive, leading zero dropped when negative). Nil for NaN and
    /// infinities, which JSON cannot carry.
    static func number(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        let sign = value.sign == .minus ? "-" : ""
        let (digits, point) = shortestDigits(abs(value))
        guard !digits.isEmpty else { return sign + "0" }
        let magnitude = abs(value)
        if magnitude < 1e-6 || magnitude >= 1e21 {
            let exponent = point - 1
            var text = String(digits.first!)
            if digits.count > 1 { text += "." + digits.dropFirst() }
            let exponentDigits = String(abs(exponent))
            // strconv pads the exponent to two digits; encoding/json then trims
            // the pad of a negative one ("e-07" becomes "e-7").
            let padded = exponent >= 0 && exponentDigits.count < 2 ? "0" + exponentDigits : exponentDigits
            return sign + text + "e" + (exponent < 0 ? "-" : "+") + padded
        }
        var text: String
        if point > 0 {
            text = String(digits.prefix(point)) + String(repeating: "0", count: max(point - digits.count, 0))
        } else {
            text = "0"
        }
        if point < digits.count {
            text += "." + String(repeating: "0", count: max(-point, 0)) + digits.dropFirst(max(point, 0))
        }
        return sign + text
    }

    /// The shortest round-trip decimal digits of a non-negative finite value,
    /// without leading or trailing zeros, and the position of the decimal point
    /// (value = 0.DIGITS × 10^point), as Go's strconv computes them. Swift's own
    /// description already holds the shortest digits; this only re-reads them.
    static func shortestDigits(_ value: Double) -> (digits: String, point: Int) {
        let text = value.description.lowercased()
        let parts = text.split(separator: "e", maxSplits: 1)
        let exponent = parts.count == 2 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts[0].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integer = mantissa[0], fraction = mantissa.count == 2 ? mantissa[1] : ""
        var digits = Substring(integer + fraction)
        var point = integer.count + exponent
        while digits.first == "0" {
            digits = digits.dropFirst()
            point -= 1
        }
        while digits.last == "0" { digits = digits.dropLast() }
        return (String(digits), point)
    }
}
