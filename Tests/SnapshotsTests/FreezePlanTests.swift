import DeviceMapper
import Foundation
@testable import Snapshots
import Testing

/// Freeze plans over sysfs trees laid out as the kernel lays them out
/// (`/sys/class/block/X/{dev,holders/,slaves/}`), written to a temporary directory.
struct FreezePlanTests {
    /// A sysfs tree: each device with its major:minor and the devices it stands on.
    final class Sysfs {
        let root = NSTemporaryDirectory() + "sysfs-\(UUID().uuidString)"
        private var minor: UInt32 = 0

        @discardableResult
        func add(_ name: String, on slaves: [String] = []) throws -> String {
            minor += 1
            let directory = "\(root)/\(name)"
            try FileManager.default.createDirectory(atPath: "\(directory)/holders", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: "\(directory)/slaves", withIntermediateDirectories: true)
            try "\(name.hasPrefix("md") ? 9 : 254):\(minor)\n".write(toFile: "\(directory)/dev", atomically: true, encoding: .utf8)
            for slave in slaves {
                _ = FileManager.default.createFile(atPath: "\(directory)/slaves/\(slave)", contents: nil)
                _ = FileManager.default.createFile(atPath: "\(root)/\(slave)/holders/\(name)", contents: nil)
            }
            return name
        }

        func graph() throws -> HolderGraph { try HolderGraph.read(root: root) }
        deinit { try? FileManager.default.removeItem(atPath: root) }
    }

    /// loop0 → pool dm-0 → disks dm-1, dm-2, dm-3.
    static func pool() throws -> Sysfs {
        let sysfs = Sysfs()
        try sysfs.add("loop0")
        try sysfs.add("dm-0", on: ["loop0"])
        for disk in ["dm-1", "dm-2", "dm-3"] { try sysfs.add(disk, on: ["dm-0"]) }
        return sysfs
    }

    static let names = ["dm-1": "dmsnap-d-one", "dm-2": "dmsnap-d-two", "dm-3": "dmsnap-d-three", "dm-4": "span"]

    @Test func anMdArrayOverTheDisksIsFrozenThenTheDisksSuspended() throws {
        let sysfs = try Self.pool()
        try sysfs.add("md0", on: ["dm-1", "dm-2"])
        let graph = try sysfs.graph()
        let md0 = try #require(graph.devices["md0"])
        let plan = try FreezePlan.plan(disks: [graph.devices["dm-1"]!, graph.devices["dm-2"]!], graph: graph,
                                       mounts: [md0.number: "/srv"], dmNames: Self.names)
        #expect(plan.holds == [
            .freezeFilesystem(mountPoint: "/srv", device: "/dev/md0"),
            .suspend(device: "dmsnap-d-one", lockfs: false),
            .suspend(device: "dmsnap-d-two", lockfs: false),
        ])
        #expect(plan.takenTogether == 1..<3, "the disks, after the filesystem above them")
    }

    @Test func aMountedDMSpanIsSuspendedWithLockfs() throws {
        let sysfs = try Self.pool()
        try sysfs.add("dm-4", on: ["dm-1", "dm-2", "dm-3"])
        let graph = try sysfs.graph()
        let plan = try FreezePlan.plan(disks: ["dm-1", "dm-2", "dm-3"].map { graph.devices[$0]! }, graph: graph,
                                       mounts: [graph.devices["dm-4"]!.number: "/data"], dmNames: Self.names)
        #expect(plan.holds.first == .suspend(device: "span", lockfs: true))
        #expect(plan.holds.count == 4)
    }

    @Test func aDiskWithItsOwnFilesystemIsSuspendedWithLockfs() throws {
        let graph = try Self.pool().graph()
        let disk = graph.devices["dm-1"]!
        let plan = try FreezePlan.plan(disks: [disk], graph: graph, mounts: [disk.number: "/var"], dmNames: Self.names)
        #expect(plan.holds == [.suspend(device: "dmsnap-d-one", lockfs: true)])
        #expect(plan.takenTogether.isEmpty)
    }

    @Test func disksAreSuspendedTogetherOnlyWhenNoneStandsOnAnother() throws {
        let sysfs = try Self.pool()
        try sysfs.add("dm-4", on: ["dm-1"])
        let graph = try sysfs.graph()
        let beside = try FreezePlan.plan(disks: ["dm-1", "dm-2", "dm-3"].map { graph.devices[$0]! }, graph: graph,
                                         mounts: [:], dmNames: Self.names)
        #expect(beside.takenTogether == 0..<3)
        let stacked = try FreezePlan.plan(disks: ["dm-4", "dm-1"].map { graph.devices[$0]! }, graph: graph,
                                          mounts: [:], dmNames: Self.names)
        #expect(stacked.holds.count == 2 && stacked.takenTogether.isEmpty)
        let givenBottomFirst = try FreezePlan.plan(disks: ["dm-1", "dm-4"].map { graph.devices[$0]! }, graph: graph,
                                                   mounts: [:], dmNames: Self.names)
        #expect(givenBottomFirst.holds == [.suspend(device: "span", lockfs: false), .suspend(device: "dmsnap-d-one", lockfs: false)],
                "the disk stacked over the other is suspended first, whatever the order given")
        let lvm = try FreezePlan.plan(disks: ["dm-1", "dm-2"].map { graph.devices[$0]! }, graph: graph,
                                      mounts: graph.devices.values.filter { ["dm-1", "dm-2"].contains($0.name) }
                                          .reduce(into: [:]) { $0[$1.number] = "/mnt/\($1.name)" },
                                      dmNames: Self.names, suspendDisks: false)
        #expect(lvm.holds.count == 2 && lvm.takenTogether.isEmpty, "LVM volumes are not suspended by dmsnap")
    }

    @Test func aVolumeThatAlsoStandsOnADiskOutsideTheGroupIsRefusedByName() throws {
        let sysfs = try Self.pool()
        try sysfs.add("md0", on: ["dm-1", "dm-2", "dm-3"])
        let graph = try sysfs.graph()
        #expect { try FreezePlan.plan(disks: [graph.devices["dm-1"]!, graph.devices["dm-2"]!], graph: graph, mounts: [:], dmNames: Self.names) }
            throws: { error in
                let message = (error as? SnapshotsError)?.message ?? ""
                return message.contains("md0") && message.contains("dm-3") && !message.contains("dm-0") && !message.contains("loop0")
            }
    }

    @Test func anLVMVolumeGroupOverTheDisksIsHeldThroughItsLVs() throws {
        // A VG whose PVs are dm-1 and dm-2, and an LV dm-5 spanning both, with ext4 on it.
        let sysfs = try Self.pool()
        try sysfs.add("dm-5", on: ["dm-1", "dm-2"])
        let graph = try sysfs.graph()
        let lv = graph.devices["dm-5"]!
        let plan = try FreezePlan.plan(disks: [graph.devices["dm-1"]!, graph.devices["dm-2"]!], graph: graph,
                                       mounts: [lv.number: "/home"], dmNames: Self.names.merging(["dm-5": "vg-home"]) { $1 })
        #expect(plan.holds.map(\.description).first == "suspend vg-home with dm suspend, freezing its filesystem (lockfs)")
    }
}
