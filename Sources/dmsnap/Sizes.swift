import Foundation
import ArgumentParser

/// A size as an administrator types it: `512M`, `10G`, `1T`, or a bare number of GiB.
struct ByteSize: ExpressibleByArgument, CustomStringConvertible {
    let bytes: UInt64

    init?(argument: String) {
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var text = Substring(argument.uppercased())
        if text.hasSuffix("IB") { text = text.dropLast(2) } else if text.hasSuffix("B") { text = text.dropLast() }
        var multiplier: UInt64 = 1 << 30
        if let last = text.last, let unit = units[last] {
            multiplier = unit
            text = text.dropLast()
        }
        guard !text.isEmpty, text.allSatisfy(\.isASCII), let value = UInt64(text), value > 0 else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow, bytes <= 1 << 50 else { return nil }
        self.bytes = bytes
    }

    var description: String { Self.format(bytes) }

    static func format(_ bytes: UInt64) -> String {
        let units: [(String, UInt64)] = [("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)]
        for (name, size) in units where bytes >= size {
            let value = Double(bytes) / Double(size)
            return value == value.rounded() ? "\(Int(value))\(name)" : String(format: "%.1f\(name)", value)
        }
        return "\(bytes)B"
    }

    static var defaultValueDescription: String { "a positive size such as 512M, 10G or 1T (a bare number is GiB)" }
}
