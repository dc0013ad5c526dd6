import DeviceMapper
import Foundation

/// The order in which a group's I/O is held and released: filesystems on the
/// tops first (so they flush and stop writing), then the disks under them,
/// then every snapshot, then release in reverse.
public struct FreezePlan: Sendable, Equatable {
    /// One thing held, and how.
    public enum Hold: Sendable, Equatable, CustomStringConvertible {
        /// FIFREEZE on a mounted filesystem whose device is not a dm device (md, a partition).
        case freezeFilesystem(mountPoint: String, device: String)
        /// dm suspend. With `lockfs` the kernel freezes the filesystem on the
        /// device first: the way to hold a mounted dm top, or a disk with a
        /// filesystem of its own.
        case suspend(device: String, lockfs: Bool)

        public var description: String {
            switch self {
            case .freezeFilesystem(let mountPoint, let device): "freeze the filesystem on \(mountPoint) (\(device)) with FIFREEZE"
            case .suspend(let device, let lockfs): "suspend \(device) with dm suspend\(lockfs ? ", freezing its filesystem (lockfs)" : " (no filesystem on it)")"
            }
        }

        /// How to release it, for the journal and the guardian.
        public var release: String {
            switch self {
            case .freezeFilesystem(let mountPoint, _): "thaw \(mountPoint) (FITHAW)"
            case .suspend(let device, _): "resume \(device)"
            }
        }
    }

    /// In the order they are taken; released in reverse.
    public let holds: [Hold]
    /// The holds taken at once rather than one after another: the group's
    /// disks, when they are suspended and none stands on another.
    public let takenTogether: Range<Int>

    public init(holds: [Hold], takenTogether: Range<Int> = 0..<0) {
        self.holds = holds
        self.takenTogether = takenTogether.count > 1 ? takenTogether : 0..<0
    }

    /// Plans the holds for the group's `disks`: every mounted filesystem above
    /// them (dm devices by suspend with lockfs, others by FIFREEZE), then the
    /// disks themselves. Suspending every disk before any snapshot is taken
    /// makes the cut crash-consistent even where nothing above can be frozen:
    /// a write that waits for another to complete cannot overtake it.
    ///
    /// Refuses a device above the group that also stands on something outside
    /// it: a snapshot of part of it would not be consistent.
    ///
    /// - Parameters:
    ///   - mounts: mounted filesystems by device number.
    ///   - dmNames: the dm name of each dm device (`dm-3` → `dmsnap-d-…`): dm
    ///     calls take names, sysfs gives kernel names.
    ///   - suspendDisks: false for LVM volumes, which LVM suspends itself while
    ///     it snapshots them (it resumes a volume it finds suspended, so dmsnap
    ///     must not); their filesystems are frozen instead, and a volume that
    ///     has none and nothing held above it cannot be held at all.
    public static func plan(disks: [HolderGraph.Device], graph: HolderGraph, mounts: [DeviceNumber: String],
                            dmNames: [String: String], suspendDisks: Bool = true) throws -> FreezePlan {
        let group = Set(disks)
        let above = disks.reduce(into: Set<HolderGraph.Device>()) { $0.formUnion(graph.above($1)) }.subtracting(group)
        let beneath = disks.reduce(into: Set<HolderGraph.Device>()) { $0.formUnion(graph.below($1)) }
        for device in above.sorted(by: { $0.name < $1.name }) {
            let outside = graph.below(device).subtracting(group).subtracting(above).subtracting(beneath)
            // Name the devices at the bottom of what is missing: the disks to add.
            let missing = outside.filter { graph.below($0).isDisjoint(with: outside) }
            if !missing.isEmpty {
                throw SnapshotsError(.invalidParameter, """
                    \(device.name) stands on the group's disks and also on \(missing.map(\.name).sorted().joined(separator: ", ")), \
                    which \(missing.count == 1 ? "is" : "are") not in the group: a snapshot of part of it would not be consistent; \
                    add \(missing.count == 1 ? "it" : "them") to the group
                    """)
            }
        }
        var holds: [Hold] = []
        // Highest first: a filesystem stacked over another device's filesystem
        // (a loop file) is frozen before the one it lives on.
        for device in above.sorted(by: { graph.above($0).count < graph.above($1).count || ($0.name < $1.name && graph.above($0).count == graph.above($1).count) }) {
            guard let mountPoint = mounts[device.number] else { continue }
            holds.append(device.isDeviceMapper ? .suspend(device: dmNames[device.name] ?? device.name, lockfs: true)
                                               : .freezeFilesystem(mountPoint: mountPoint, device: "/dev/\(device.name)"))
        }
        let firstDisk = holds.count
        // A disk stacked over another disk of the group is held before it, as
        // the tops are: suspended under it, the lower one would stall its flush.
        let disksBelow = disks.map { graph.below($0).intersection(group).count }
        let topDown = disks.indices.sorted { disksBelow[$0] > disksBelow[$1] || (disksBelow[$0] == disksBelow[$1] && $0 < $1) }
        for disk in topDown.map({ disks[$0] }) {
            let name = dmNames[disk.name] ?? disk.name
            if suspendDisks {
                holds.append(.suspend(device: name, lockfs: mounts[disk.number] != nil))
            } else if let mountPoint = mounts[disk.number] {
                holds.append(.freezeFilesystem(mountPoint: mountPoint, device: "/dev/mapper/\(name)"))
            } else if !graph.above(disk).contains(where: { mounts[$0.number] != nil }) {
                throw SnapshotsError(.unsupportedDisk, """
                    nothing can hold \(name) for the instant of the group: it carries no mounted filesystem and no \
                    mounted volume stands on it, and LVM volumes cannot be held by suspending them (LVM resumes them); \
                    mount its filesystem, or snapshot it alone
                    """)
            }
        }
        // Everything above the disks is held by now; disks beside one another
        // can be suspended together.
        let sideBySide = disksBelow.allSatisfy { $0 == 0 }
        return FreezePlan(holds: holds, takenTogether: suspendDisks && sideBySide ? firstDisk..<holds.count : 0..<0)
    }
}
