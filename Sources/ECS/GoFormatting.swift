import Foundation

/// Go's text/tabwriter with minwidth 0, tabwidth 0, padding 1, padchar ' ' and
/// the Debug flag, for lines whose cells are tab-separated: every cell but the
/// last of a line is padded to its column's widest cell plus one, then `|`.
enum TabWriter {
    static func render(_ lines: [[String]]) -> String {
        let columnCount = (lines.map(\.count).max() ?? 1) - 1
        // tabwriter measures text in runes (Unicode scalars).
        let widths = (0..<max(columnCount, 0)).map { column in
            lines.compactMap { column < $0.count - 1 ? $0[column].unicodeScalars.count : nil }.max().map { $0 + 1 } ?? 0
        }
        return lines.map { cells in
            cells.enumerated().map { index, cell in
                guard index < cells.count - 1 else { return cell }
                return cell + String(repeating: " ", count: widths[index] - cell.unicodeScalars.count) + "|"
            }.joined() + "\n"
        }.joined()
    }
}

/// Go's `%v` of a float64: the shortest representation, exponent form (`1e+06`)
/// when the exponent is below -4 or at least 21, as strconv.FormatFloat(f, 'g', -1, 64) with %v's widening.
enum GoFloat {
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == 0 { return value.sign == .minus ? "-0" : "0" }
        let exponent = Int(floor(log10(abs(value))))
        if exponent < -4 || exponent >= 21 {
            // Swift's shortest digits, rewritten in Go's e-notation (e+06, e-07).
            let text = "\(value)"
            let parts = text.lowercased().split(separator: "e")
            let mantissa = parts[0].hasSuffix(".0") ? String(parts[0].dropLast(2)) : String(parts[0])
            let power = parts.count > 1 ? Int(parts[1]) ?? exponent : exponent
            return mantissa + "e" + (power < 0 ? "-" : "+") + (abs(power) < 10 ? "0" : "") + String(abs(power))
        }
        if value == value.rounded(), abs(value) < 1e21 { return String(Int64(value)) }
        return "\(value)"
    }
}
