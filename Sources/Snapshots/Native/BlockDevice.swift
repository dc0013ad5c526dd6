import DeviceMapper
import Foundation

/// A block device given by the user for a pool's data or metadata, checked
/// before dmsnap writes to it.
struct BlockDevice {
    let path: String
    let number: DeviceNumber
    let sizeBytes: UInt64

    /// Resolves `path` (following /dev symlinks) to a block device.
    init(path: String) throws {
        guard path.hasPrefix("/"), !path.contains(where: { $0.isNewline || $0 == " " }) else {
            throw SnapshotsError(.invalidParameter, "\(Validation.shown(path)) is not an absolute device path")
        }
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw SnapshotsError(.invalidParameter, "cannot use \(path): \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFBLK else {
            throw SnapshotsError(.invalidParameter, "\(path) is not a block device")
        }
        self.path = path
        number = DeviceNumber(rawDevice: UInt64(status.st_rdev))
        let sizeText = (try? String(contentsOfFile: "/sys/dev/block/\(number)/size", encoding: .utf8)) ?? "0"
        sizeBytes = (UInt64(sizeText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) * 512
    }

    /// Why dmsnap must not overwrite this device, or nil when it looks unused:
    /// mounted, held by another device, or carrying a filesystem, partition
    /// table or LVM PV signature.
    func reasonInUse() -> String? {
        if let mountPoint = MountTable.current().mountPoint(of: number) {
            return "\(path) is mounted on \(mountPoint)"
        }
        let holders = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/dev/block/\(number)/holders")) ?? []
        if !holders.isEmpty {
            return "\(path) is in use by \(holders.sorted().joined(separator: ", "))"
        }
        // blkid exits 2 when it finds no signature.
        if let probe = try? ExternalCommand.run("blkid", ["-p", "-o", "export", "--", path], allowedStatuses: [0, 2]),
           !probe.isEmpty {
            let fields = Dictionary(probe.split(separator: "\n").compactMap { line -> (String, String)? in
                let parts = line.split(separator: "=", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            }, uniquingKeysWith: { first, _ in first })
            if let type = fields["TYPE"] { return "\(path) holds a \(type) signature" }
            if let table = fields["PTTYPE"] { return "\(path) holds a \(table) partition table" }
        }
        return nil
    }
}
