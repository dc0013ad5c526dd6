import DeviceMapper
import Foundation
import LVM

/// Which of dmsnap's mapped files LVM may leave unlocked around its suspends
/// (`LVMMemoryLockFilter`): those that no device of the volume group, nor one
/// stacked over it, can hold. A command on a volume suspends devices of its
/// own volume group only (the volume, its pool and the pool's parts); all of
/// them carry the group's UUID in their dm UUID, `LVM-<vg uuid><lv uuid>[-suffix]`.
enum LVMMemoryLock {
    /// The filter for a command on the volumes with dm devices `volumes`, or
    /// nil (LVM then locks everything, as it does by default) when anything
    /// cannot be read.
    static func filter(forVolumes volumes: [DeviceNumber]) -> LVMMemoryLockFilter? {
        let prefixes = Set(volumes.compactMap(volumeGroupPrefix(of:)))
        guard !volumes.isEmpty, let graph = try? HolderGraph.read(),
              let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8),
              let mountinfo = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
        var affected = Set<DeviceNumber>()
        for device in prefixes.flatMap(devices(withUUIDPrefix:)) {
            affected.insert(device)
            if let node = graph.device(device) { affected.formUnion(graph.above(node).map(\.number)) }
        }
        guard volumes.allSatisfy(affected.contains) else { return nil }
        let files = MemoryLock.filesOffHeldDevices(maps: maps, mountinfo: mountinfo, affected: affected)
            .filter { LVMMemoryLockFilter.problem($0) == nil }
        return try? LVMMemoryLockFilter(exempting: files)
    }

    /// "LVM-" and the volume group's UUID (32 characters, no dashes).
    static func volumeGroupPrefix(of volume: DeviceNumber) -> String? {
        guard let uuid = try? String(contentsOfFile: "/sys/dev/block/\(volume)/dm/uuid", encoding: .utf8) else { return nil }
        let prefix = String(uuid.prefix(36))
        return prefix.hasPrefix("LVM-") && prefix.count == 36 ? prefix : nil
    }

    /// Every dm device whose UUID starts with `prefix`, from sysfs.
    static func devices(withUUIDPrefix prefix: String) -> [DeviceNumber] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/block")) ?? []
        return names.filter { $0.hasPrefix("dm-") }.compactMap { name in
            guard let uuid = try? String(contentsOfFile: "/sys/block/\(name)/dm/uuid", encoding: .utf8), uuid.hasPrefix(prefix),
                  let dev = try? String(contentsOfFile: "/sys/block/\(name)/dev", encoding: .utf8) else { return nil }
            return DeviceNumber(dev.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
