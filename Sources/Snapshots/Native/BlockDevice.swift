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

    /// Why dmsnap must not overwrite this device, or nil when it looks unused.
    enum Use: Equatable {
        /// Mounted, held by another device, or open exclusively (a partition
        /// of it mounted, swap, a RAID member): never overwritten.
        case busy(String)
        /// A filesystem, partition table or LVM PV signature: overwritten only with --force.
        case signature(String)
    }

    func use() -> Use? {
        if let busy = busyReason() { return .busy(busy) }
        // blkid exits 2 when it finds no signature.
        if let probe = try? ExternalCommand.run("blkid", ["-p", "-o", "export", "--", path], allowedStatuses: [0, 2]),
           !probe.isEmpty {
            let fields = Dictionary(probe.split(separator: "\n").compactMap { line -> (String, String)? in
                let parts = line.split(separator: "=", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            }, uniquingKeysWith: { first, _ in first })
            if let type = fields["TYPE"] { return .signature("\(path) holds a \(type) signature") }
            if let table = fields["PTTYPE"] { return .signature("\(path) holds a \(table) partition table") }
        }
        return nil
    }

    private func busyReason() -> String? {
        let mounts = MountTable.current()
        // The device, then each of its partitions (named, so that the error says which).
        let sysfs = URL(fileURLWithPath: "/sys/dev/block/\(number)").resolvingSymlinksInPath().path
        let partitions = ((try? FileManager.default.contentsOfDirectory(atPath: sysfs)) ?? []).sorted().compactMap { name -> (String, DeviceNumber)? in
            guard FileManager.default.fileExists(atPath: "\(sysfs)/\(name)/partition"),
                  let text = try? String(contentsOfFile: "\(sysfs)/\(name)/dev", encoding: .utf8),
                  let partition = DeviceNumber(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
            return ("/dev/\(name) (a partition of \(path))", partition)
        }
        for (shown, device) in [(path, number)] + partitions {
            if let mountPoint = mounts.mountPoint(of: device) { return "\(shown) is mounted on \(mountPoint)" }
            let holders = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/dev/block/\(device)/holders")) ?? []
            if !holders.isEmpty { return "\(shown) is in use by \(holders.sorted().joined(separator: ", "))" }
        }
        // What sysfs and mountinfo do not show (swap, a mount in another
        // namespace, another program's exclusive open) the kernel refuses here.
        let descriptor = open(path, O_RDONLY | O_EXCL | O_CLOEXEC)
        if descriptor < 0 && errno == EBUSY {
            return "\(path) is in use: the kernel refuses to open it exclusively (mounted, swap, or held by another program)"
        }
        if descriptor >= 0 { close(descriptor) }
        return nil
    }
}
