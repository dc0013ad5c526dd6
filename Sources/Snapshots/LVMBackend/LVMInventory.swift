import DeviceMapper
import LVM

/// What LVM holds right now, read in one `lvs`, with each LV sorted into what
/// dmsnap makes of it.
struct LVMInventory {
    enum Role: Equatable {
        /// A disk: a thin volume, or a thick LV (listed, never snapshotted).
        case disk(thin: Bool)
        /// A thin snapshot: tagged with an `s-` ID by dmsnap, or made with
        /// `lvcreate -s` (an origin, and LVM's flag to skip activation).
        case snapshot
        /// Pools, classic snapshots and LVM's own sub-volumes.
        case other
    }

    let volumes: [LogicalVolume]

    static func read(_ session: LVMSession, scope: LVMScope = .all) throws(LVMError) -> LVMInventory {
        LVMInventory(volumes: try session.logicalVolumes().filter { !$0.isHidden && scope.contains($0.volumeGroup) })
    }

    func volume(uuid: String) -> LogicalVolume? {
        volumes.first { $0.uuid == uuid }
    }

    func volume(_ volumeGroup: String, _ name: String) -> LogicalVolume? {
        volumes.first { $0.volumeGroup == volumeGroup && $0.name == name }
    }

    /// The thin pool a thin volume lives in.
    func pool(of volume: LogicalVolume) -> LogicalVolume? {
        volume.pool.flatMap { self.volume(volume.volumeGroup, $0) }
    }

    static func role(of volume: LogicalVolume) -> Role {
        if volume.isHidden || volume.layout.contains("pool") { return .other }
        if volume.attributes.isThinVolume || volume.attributes.isMergingOrigin && volume.layout.contains("thin") {
            if volume.tags.contains(where: { ResourceID(volume: $0, kind: .snapshot) != nil }) { return .snapshot }
            if volume.tags.contains(where: { ResourceID(volume: $0, kind: .disk) != nil }) { return .disk(thin: true) }
            if volume.origin != nil && volume.attributes.skipsActivation { return .snapshot }
            return .disk(thin: true)
        }
        // Plain, origin of a classic snapshot, mirror, RAID: volumes with data of their own.
        if ["-", "o", "m", "M", "r", "R"].contains(volume.attributes.volumeType) { return .disk(thin: false) }
        return .other
    }

    /// The `s-` or `d-` ID a tag carries, if dmsnap put it there.
    static func taggedID(_ volume: LogicalVolume, kind: ResourceID.Kind) -> String? {
        volume.tags.lazy.compactMap { ResourceID(volume: $0, kind: kind)?.rawValue }.first
    }

    /// `/dev/VG/LV`, the path LVM's udev rules make.
    static func devicePath(_ volume: LogicalVolume) -> String {
        "/dev/\(volume.volumeGroup)/\(volume.name)"
    }

    static func deviceNumber(_ volume: LogicalVolume) -> DeviceNumber? {
        guard let major = volume.kernelMajor, let minor = volume.kernelMinor else { return nil }
        return DeviceNumber(major: major, minor: minor)
    }
}

extension ResourceID {
    /// An ID of `kind` carried as an LVM tag.
    init?(volume tag: String, kind: Kind) {
        guard let id = try? ResourceID(parsing: tag), id.kind == kind else { return nil }
        self = id
    }
}

extension DiskView {
    /// An LVM disk as LVM has it now; without an inventory (LVM out of scope), as last seen.
    init(lvm disk: DiskRecord, inventory: LVMInventory?, mounts: MountTable) {
        let volume = inventory.flatMap { inventory in disk.lvUuid.flatMap(inventory.volume(uuid:)) }
        let number = volume.flatMap(LVMInventory.deviceNumber)
        let mountPoint = number.flatMap(mounts.mountPoint(of:))
        self.init(record: disk,
                  devicePath: "/dev/\(disk.volumeGroup ?? "?")/\(disk.logicalVolume ?? "?")",
                  isActive: volume?.isActive ?? false,
                  openCount: volume?.attributes.isOpen == true ? 1 : 0,
                  mountPoint: mountPoint)
        isSystem = mountPoint == "/" || (number != nil && number == mounts.rootDevice)
        isThin = volume.map { LVMInventory.role(of: $0) == .disk(thin: true) } ?? (disk.poolName != "")
        resetPending = volume?.attributes.isMergingOrigin ?? false
    }
}
