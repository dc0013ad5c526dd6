import Foundation

/// The ways an administrator builds one volume over several disks, each with
/// the recipe to build it over the disks and to assemble a copy of it from
/// clones of those disks while the original still runs.
enum ExtendedVolumeLayout: String, CaseIterable, CustomStringConvertible, Sendable {
    /// md RAID0 (mdadm), 64 KiB chunks.
    case mdStripe
    /// A dm striped target over the disks (what `dmsetup create` users build).
    case dmStripe
    /// An LVM volume group whose PVs are the disks, one LV striped over all.
    case lvmVolumeGroup

    var description: String { rawValue }

    /// The layouts a run covers: all, or those `DMSNAP_GROUP_LAYOUTS` names
    /// (comma-separated raw values, to run one layout alone).
    static var selected: [ExtendedVolumeLayout] {
        guard let names = ProcessInfo.processInfo.environment["DMSNAP_GROUP_LAYOUTS"] else { return allCases }
        return names.split(separator: ",").compactMap { ExtendedVolumeLayout(rawValue: String($0)) }
    }

    /// Builds the volume called `name` over `disks` (device paths); returns its device path.
    func build(_ name: String, over disks: [String]) throws -> String {
        switch self {
        case .mdStripe:
            try Rig.shell("""
                mdadm --create /dev/md/\(name) --run --quiet --level=0 --chunk=64 --raid-devices=\(disks.count) \
                \(disks.joined(separator: " "))
                """)
            return "/dev/md/\(name)"
        case .dmStripe:
            try Rig.shell("dmsetup create \(name) --table '\(try Self.stripeTable(over: disks))'")
            return "/dev/mapper/\(name)"
        case .lvmVolumeGroup:
            try Rig.shell("""
                pvcreate -qq -y \(disks.joined(separator: " ")) && vgcreate -qq \(name) \(disks.joined(separator: " ")) && \
                lvcreate -qq -y -Wy -Zy -i \(disks.count) -I 64k -l 100%FREE -n lv \(name) && udevadm settle
                """)
            return "/dev/\(name)/lv"
        }
    }

    /// Stops the volume and wipes what it left on the disks.
    func tearDown(_ name: String, over disks: [String]) {
        switch self {
        case .mdStripe:
            _ = try? Rig.shell("mdadm --stop /dev/md/\(name) 2>/dev/null; true")
            for disk in disks { _ = try? Rig.shell("mdadm --zero-superblock \(disk) 2>/dev/null; true") }
        case .dmStripe:
            _ = try? Rig.shell("dmsetup remove --retry \(name) 2>/dev/null; true")
        case .lvmVolumeGroup:
            _ = try? Rig.shell("vgremove -qq -ff -y \(name) 2>/dev/null; pvremove -qq -ff -y \(disks.joined(separator: " ")) 2>/dev/null; true")
        }
    }

    /// Assembles the copy `name` from clones of the disks, in the same order;
    /// the original keeps running beside it, so its identity is renewed.
    func assembleCopy(_ name: String, from clones: [String]) throws -> String {
        switch self {
        case .mdStripe:
            try Rig.shell("mdadm --assemble /dev/md/\(name) --run --quiet --update=uuid \(clones.joined(separator: " "))")
            return "/dev/md/\(name)"
        case .dmStripe:
            return try Self.dmStripe.build(name, over: clones)
        case .lvmVolumeGroup:
            // The clones carry the original's PV and VG UUIDs: vgimportclone
            // gives them new ones and a VG name of their own.
            try Rig.shell("""
                vgimportclone -qq --basevgname \(name) \(clones.joined(separator: " ")) && \
                vgchange -qq -ay \(name) && udevadm settle
                """)
            return "/dev/\(name)/lv"
        }
    }

    func tearDownCopy(_ name: String, from clones: [String]) {
        switch self {
        case .mdStripe: _ = try? Rig.shell("mdadm --stop /dev/md/\(name) 2>/dev/null; true")
        case .dmStripe: tearDown(name, over: clones)
        case .lvmVolumeGroup:
            _ = try? Rig.shell("vgchange -qq -an \(name) 2>/dev/null; udevadm settle; true")
        }
    }

    /// `0 LENGTH striped N 128 DISK 0 …`: 64 KiB chunks over equal disks.
    static func stripeTable(over disks: [String]) throws -> String {
        let sectors = try disks.map { disk in
            UInt64(try Rig.shell("blockdev --getsz \(disk)").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        let chunk: UInt64 = 128
        let perDisk = (sectors.min() ?? 0) / chunk * chunk
        let devices = disks.map { "\($0) 0" }.joined(separator: " ")
        return "0 \(perDisk * UInt64(disks.count)) striped \(disks.count) \(chunk) \(devices)"
    }
}
