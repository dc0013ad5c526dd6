import Foundation

/// ECS prints times in UTC to the second: `2026-11-24T23:54:39Z`.
public enum ECSTimestamp {
    public static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }
}
