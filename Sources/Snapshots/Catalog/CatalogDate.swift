import Foundation
import GRDB

/// Dates go into the catalog as text in GRDB's own format, `yyyy-MM-dd
/// HH:mm:ss.SSS` in UTC, formatted here rather than by GRDB: GRDB formats with
/// a DateFormatter, which loads ICU's locale data, and with Foundation linked
/// in that doubled the memory of every command that wrote a record (60 MiB
/// against 25 MiB). GRDB still reads them back itself.
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
}

/// A catalog record: its dates are written by `CatalogDate`.
public protocol CatalogRecord: EncodableRecord {}

extension CatalogRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .custom { CatalogDate.text($0) }
    }
}
