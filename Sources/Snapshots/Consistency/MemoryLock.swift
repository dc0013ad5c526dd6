import DeviceMapper
import Foundation

/// Whether a group's holder, and its guardian, must lock their memory for the
/// hold.
///
/// A page fault that has to read from a held device waits until the device is
/// released, and the process that would release it is the one waiting: a
/// deadlock that only the guardian's deadline ends. LVM locks every mapping
/// around its critical section for that reason; dmsnap locks only when one of
/// its pages could come from a held device: a file it maps (its binary, a
/// library) on a held device or on one stacked over it, or swap on one.
/// Wherever that cannot be told (a filesystem whose device the mapping does
/// not name, a loop device, a swap file), it locks. Locking costs the whole
/// binary in memory (about 70 MiB for the static build), most of a group's
/// peak memory.
enum MemoryLock {
    /// Filesystems whose pages come from memory or the network, never from a local block device.
    static let memoryOrNetworkFilesystems: Set<String> = [
        "tmpfs", "ramfs", "devtmpfs", "proc", "sysfs", "9p", "virtiofs", "nfs", "nfs4", "cifs", "smb3",
    ]
    /// A loop device reads a file on some other filesystem, which the holder graph does not show.
    static let loopMajor: UInt32 = 7
    /// Shared anonymous memory shows in the maps with a path; its pages live in memory or swap.
    static let anonymousSharedPrefixes = ["/memfd:", "/SYSV", "/dev/zero", "/anon_hugepage", "/dev/shm/"]

    /// - Parameters:
    ///   - maps: the process's /proc/self/maps.
    ///   - mountinfo: its /proc/self/mountinfo.
    ///   - swaps: /proc/swaps.
    ///   - affected: the held devices, and every device stacked over them.
    ///   - deviceOf: the device number of a block device node (a swap partition).
    static func isNeeded(maps: String, mountinfo: String, swaps: String, affected: Set<DeviceNumber>,
                         deviceOf: (String) -> DeviceNumber?) -> Bool {
        let filesystems = filesystemTypes(mountinfo)
        for line in maps.split(separator: "\n") {
            // address perms offset dev inode [path]
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count >= 5, fields[4] != "0" else { continue }     // anonymous: swap, below
            let path = fields.count > 5 ? fields[5].trimmingCharacters(in: .whitespaces) : ""
            if anonymousSharedPrefixes.contains(where: path.hasPrefix) { continue }
            guard let device = hexDeviceNumber(fields[3]) else { return true }
            if device.major == 0 {
                guard let type = filesystems[device], memoryOrNetworkFilesystems.contains(type) else { return true }
            } else if device.major == loopMajor || affected.contains(device) {
                return true
            }
        }
        for line in swaps.split(separator: "\n").dropFirst() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2 else { continue }
            guard fields[1] == "partition", let device = deviceOf(String(fields[0])),
                  device.major != loopMajor, !affected.contains(device) else { return true }
        }
        return false
    }

    /// Filesystem type by device number, from mountinfo:
    /// `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPEROPTIONS`.
    static func filesystemTypes(_ mountinfo: String) -> [DeviceNumber: String] {
        var types: [DeviceNumber: String] = [:]
        for line in mountinfo.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 3, let device = DeviceNumber(fields[2]),
                  let separator = fields.firstIndex(of: "-"), separator + 1 < fields.count else { continue }
            types[device] = String(fields[separator + 1])
        }
        return types
    }

    /// The maps file's device field, "fe:01" (hexadecimal).
    static func hexDeviceNumber(_ text: Substring) -> DeviceNumber? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let major = UInt32(parts[0], radix: 16), let minor = UInt32(parts[1], radix: 16) else { return nil }
        return DeviceNumber(major: major, minor: minor)
    }
}
