import Foundation
import GRDB

/// Dates go into the catalog as text in GRDB's own format, `yyyy-MM-dd
/// HH:mm:ss.SSS` in UTC, formatted and read here rather than by GRDB. GRDB
/// formats with a DateFormatter and reads through a Gregorian Calendar, and
/// both load ICU's calendar, zone and locale data: writing doubled the memory
/// of every command that wrote a record (60 MiB against 25 MiB), and reading
/// was a tenth of CreateSnapshot's CPU time under emulation.
enum CatalogDate {
    static func text(_ date: Date) -> String {
        // Milliseconds are rounded to the nearest, as GRDB's DateFormatter does.
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
        let fraction = Int(milliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func padded(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(parts.tm_year + 1900, 4))-\(padded(parts.tm_mon + 1, 2))-\(padded(parts.tm_mday, 2)) "
            + "\(padded(parts.tm_hour, 2)):\(padded(parts.tm_min, 2)):\(padded(parts.tm_sec, 2)).\(padded(Int32(fraction), 3))"
    }

    /// The date of a `text(_:)`; any other value (a catalog written by hand,
    /// or a format GRDB also reads) is left to GRDB.
    static func date(_ value: DatabaseValue) -> Date? {
        guard let text = String.fromDatabaseValue(value),
              let date = text.utf8.withContiguousStorageIfAvailable(parse) ?? nil else {
            return Date.fromDatabaseValue(value)
        }
        return date
    }

    private static func parse(_ text: UnsafeBufferPointer<UInt8>) -> Date? {
        // yyyy-MM-dd HH:mm:ss.SSS
        guard text.count == 23, text[4] == UInt8(ascii: "-"), text[7] == UInt8(ascii: "-"), text[10] == UInt8(ascii: " "),
              text[13] == UInt8(ascii: ":"), text[16] == UInt8(ascii: ":"), text[19] == UInt8(ascii: ".") else { return nil }
        func number(_ start: Int, _ count: Int) -> Int32? {
            var value: Int32 = 0
            for index in start..<start + count {
                let digit = Int32(text[index]) - Int32(UInt8(ascii: "0"))
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
              let minute = number(14, 2), let second = number(17, 2), let milliseconds = number(20, 3),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let seconds = timegm(&parts)
        // timegm normalises 31 February into March; GRDB's calendar does too, but only ours can be checked.
        guard parts.tm_mday == day else { return nil }
        return Date(timeIntervalSince1970: Double(seconds) + Double(milliseconds) / 1000)
    }
}
