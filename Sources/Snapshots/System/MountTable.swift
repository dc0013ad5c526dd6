import DeviceMapper
import Foundation

/// /proc/self/mountinfo, by device number.
struct MountTable {
    struct Entry {
        /// The mount's ID and its parent's (what it is mounted on).
        var id = 0, parent = 0
        let device: DeviceNumber
        let mountPoint: String
        /// The filesystem type, "" where the line has none.
        var type = ""
        /// The superblock's options, still escaped as mountinfo prints them.
        var superOptions = ""
    }

    let entries: [Entry]

    static func current() -> MountTable {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return MountTable(parsing: text)
    }

    /// Fields: `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPEROPTIONS`;
    /// the mount point escapes spaces and other bytes as octal (`\040`).
    init(parsing text: String) {
        entries = text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4, let device = DeviceNumber(fields[2]) else { return nil }
            var entry = Entry(id: Int(fields[0]) ?? 0, parent: Int(fields[1]) ?? 0, device: device, mountPoint: Self.unescape(fields[4]))
            if let separator = fields.firstIndex(of: "-"), separator + 1 < fields.count {
                entry.type = String(fields[separator + 1])
                if separator + 3 < fields.count { entry.superOptions = String(fields[separator + 3]) }
            }
            return entry
        }
    }

    /// The device under `/`: the system disk.
    var rootDevice: DeviceNumber? {
        entries.last { $0.mountPoint == "/" }?.device
    }

    func mountPoint(of device: DeviceNumber) -> String? {
        entries.first { $0.device == device }?.mountPoint
    }

    /// Undoes mountinfo's octal escapes (`\040` for a space).
    static func unescape(_ field: Substring) -> String {
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
