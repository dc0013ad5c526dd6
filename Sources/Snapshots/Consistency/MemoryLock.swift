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
    /// Overlays over overlays are followed this deep; deeper ones are locked for.
    static let overlayDepth = 4

    /// Why memory must be locked, or nil when no page of the process can come from a held device.
    ///
    /// - Parameters:
    ///   - maps: the process's /proc/self/maps.
    ///   - mountinfo: its /proc/self/mountinfo.
    ///   - swaps: /proc/swaps.
    ///   - affected: the held devices, and every device stacked over them.
    ///   - deviceOf: the device number of a block device node (a swap partition).
    static func reason(maps: String, mountinfo: String, swaps: String, affected: Set<DeviceNumber>,
                       deviceOf: (String) -> DeviceNumber?) -> String? {
        let mounts = MountTable(parsing: mountinfo)
        var checked = Set<DeviceNumber>()
        for line in maps.split(separator: "\n") {
            // address perms offset dev inode [path]
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count >= 5, fields[4] != "0" else { continue }     // anonymous: swap, below
            let path = fields.count > 5 ? fields[5].trimmingCharacters(in: .whitespaces) : ""
            if anonymousSharedPrefixes.contains(where: path.hasPrefix) { continue }
            guard let device = hexDeviceNumber(fields[3]) else { return "a line of /proc/self/maps that cannot be read: \(line)" }
            guard checked.insert(device).inserted else { continue }
            if let why = readsFrom(device, mounts: mounts, affected: affected, depth: 0) {
                return "\(path.isEmpty ? "a mapping" : path) is on \(why)"
            }
        }
        for line in swaps.split(separator: "\n").dropFirst() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2 else { continue }
            guard fields[1] == "partition" else { return "swap in a file, \(fields[0])" }
            guard let device = deviceOf(String(fields[0])) else { return "swap on \(fields[0]), which cannot be read" }
            if device.major == loopMajor || affected.contains(device) { return "swap on \(fields[0]) (\(device)), a held or loop device" }
        }
        return nil
    }

    /// The files mapped in `maps` none of whose pages can come from an
    /// `affected` device: what a lock may leave out. Anonymous memory is
    /// never among them, nor a deleted file.
    static func filesOffHeldDevices(maps: String, mountinfo: String, affected: Set<DeviceNumber>) -> [String] {
        let mounts = MountTable(parsing: mountinfo)
        var verdicts: [DeviceNumber: Bool] = [:], files: [String] = []
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count > 5, fields[4] != "0", let device = hexDeviceNumber(fields[3]) else { continue }
            let path = fields[5].trimmingCharacters(in: .whitespaces)
            guard path.hasPrefix("/"), !path.hasSuffix(" (deleted)"), !anonymousSharedPrefixes.contains(where: path.hasPrefix) else { continue }
            if verdicts[device] == nil { verdicts[device] = readsFrom(device, mounts: mounts, affected: affected, depth: 0) == nil }
            if verdicts[device] == true { files.append(path) }
        }
        return files
    }

    static func isNeeded(maps: String, mountinfo: String, swaps: String, affected: Set<DeviceNumber>,
                         deviceOf: (String) -> DeviceNumber?) -> Bool {
        reason(maps: maps, mountinfo: mountinfo, swaps: swaps, affected: affected, deviceOf: deviceOf) != nil
    }

    /// How a page of a file on `device` could be read from a held device, or
    /// nil when it cannot. An overlay reads from its layers' filesystems.
    private static func readsFrom(_ device: DeviceNumber, mounts: MountTable, affected: Set<DeviceNumber>, depth: Int) -> String? {
        if device.major != 0 {
            if device.major == loopMajor { return "loop device \(device), which reads a file elsewhere" }
            return affected.contains(device) ? "held device \(device), or one stacked over a held device" : nil
        }
        guard let mount = mounts.entries.last(where: { $0.device == device }) else {
            return "a filesystem (\(device)) that mountinfo does not list"
        }
        if memoryOrNetworkFilesystems.contains(mount.type) { return nil }
        guard mount.type == "overlay", depth < overlayDepth else {
            return "a \(mount.type) filesystem on \(mount.mountPoint) (\(device)), whose device cannot be told"
        }
        let layers = overlayLayers(mount.superOptions)
        guard !layers.isEmpty else { return "an overlay on \(mount.mountPoint) whose layers cannot be read" }
        for layer in layers {
            guard let under = mountHolding(layer, below: mount, in: mounts) else {
                return "an overlay on \(mount.mountPoint) with layer \(layer), whose filesystem cannot be told"
            }
            if let why = readsFrom(under.device, mounts: mounts, affected: affected, depth: depth + 1) {
                return "an overlay on \(mount.mountPoint) with layer \(layer) on \(why)"
            }
        }
        return nil
    }

    /// The mount a layer path of `overlay` was on when the overlay was made:
    /// the one with the longest mount point above the path, leaving out the
    /// overlay and whatever is mounted on it, which now hide the layer (the
    /// rig mounts an overlay on /usr whose lower layer is the /usr below it).
    static func mountHolding(_ path: String, below overlay: MountTable.Entry, in mounts: MountTable) -> MountTable.Entry? {
        guard path.hasPrefix("/") else { return nil }
        let parents = Dictionary(mounts.entries.map { ($0.id, $0.parent) }, uniquingKeysWith: { first, _ in first })
        func isOverlayOrOnIt(_ entry: MountTable.Entry) -> Bool {
            var id = entry.id
            for _ in 0...parents.count {
                if id == overlay.id { return true }
                guard let parent = parents[id], parent != id else { return false }
                id = parent
            }
            return true
        }
        var holding: MountTable.Entry?
        for entry in mounts.entries where !isOverlayOrOnIt(entry) {
            let mountPoint = entry.mountPoint
            guard mountPoint == "/" || path == mountPoint || path.hasPrefix(mountPoint + "/") else { continue }
            // Of two on one mount point, the later in mountinfo is on top.
            if mountPoint.count >= holding?.mountPoint.count ?? 0 { holding = entry }
        }
        return holding
    }

    /// An overlay's lower, upper and data layers from its superblock options
    /// (`lowerdir=/a:/b,upperdir=/c,…`, or `lowerdir+=`, `datadir+=` one each).
    /// Values escape `,` and spaces in octal; `\:` is a colon inside a lower path.
    static func overlayLayers(_ superOptions: String) -> [String] {
        var layers: [String] = []
        for option in superOptions.split(separator: ",") {
            guard let equals = option.firstIndex(of: "=") else { continue }
            let key = option[..<equals], value = MountTable.unescape(option[option.index(after: equals)...])
            switch key {
            case "lowerdir":
                var current = "", escaped = false
                for character in value {
                    if escaped { current.append(character); escaped = false }
                    else if character == "\\" { escaped = true }
                    else if character == ":" { if !current.isEmpty { layers.append(current) }; current = "" }
                    else { current.append(character) }
                }
                if !current.isEmpty { layers.append(current) }
            case "upperdir", "lowerdir+", "datadir+":
                layers.append(value)
            default:
                continue
            }
        }
        return layers
    }

    /// The maps file's device field, "fe:01" (hexadecimal).
    static func hexDeviceNumber(_ text: Substring) -> DeviceNumber? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let major = UInt32(parts[0], radix: 16), let minor = UInt32(parts[1], radix: 16) else { return nil }
        return DeviceNumber(major: major, minor: minor)
    }
}
