import DeviceMapper
import Foundation

/// /proc/self/mountinfo, by device number.
struct MountTable {
    struct Entry {
        let device: DeviceNumber
        let mountPoint: String
    }

    let entries: [Entry]

    static func current() -> MountTable {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return MountTable(parsing: text)
    }

    /// Fields: id, parent id, MAJ:MIN, root, mount point, ...; the mount point escapes
    /// spaces and other bytes as octal (`\040`).
    init(parsing text: String) {
        entries = text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4, let device = DeviceNumber(fields[2]) else { return nil }
            return Entry(device: device, mountPoint: Self.unescape(fields[4]))
        }
    }

    /// The device under `/`: the system disk.
    var rootDevice: DeviceNumber? {
        entries.last { $0.mountPoint == "/" }?.device
    }

    func mountPoint(of device: DeviceNumber) -> String? {
        entries.first { $0.device == device }?.mountPoint
    }

    private static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3,
               let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
