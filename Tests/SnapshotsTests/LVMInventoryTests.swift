import DeviceMapper
import Foundation
import LVM
@testable import Snapshots
import Testing

/// How discovery sorts LVs, on rows as `lvs --reportformat json` printed them
/// (LVM 2.03.16, kernel 6.1, in the VM rig) after lvcreate -s, a rollback left
/// pending on a mounted origin, and a clone with activation skip off.
struct LVMInventoryTests {
    static func volume(_ json: String) throws -> LogicalVolume {
        try JSONDecoder().decode(LogicalVolume.self, from: Data(json.utf8))
    }

    static func row(_ name: String, attr: String, layout: String = "thin,sparse", origin: String = "", tags: String = "",
                    data: String = "", meta: String = "", major: String = "-1", minor: String = "-1") -> String {
        """
        {"lv_name":"\(name)", "lv_uuid":"u-\(name)", "vg_name":"vg", "lv_attr":"\(attr)", "lv_layout":"\(layout)", \
        "thin_id":"1", "pool_lv":"pool", "origin":"\(origin)", "lv_size":"268435456", "lv_tags":"\(tags)", \
        "lv_active":"", "data_percent":"\(data)", "metadata_percent":"\(meta)", \
        "lv_kernel_major":"\(major)", "lv_kernel_minor":"\(minor)"}
        """
    }

    @Test func thinVolumesAreDisksAndSnapshotsAreToldApart() throws {
        let role = { (json: String) in LVMInventory.role(of: try Self.volume(json)) }
        #expect(try role(Self.row("disk", attr: "Vwi-a-tz--")) == .disk(thin: true))
        #expect(try role(Self.row("outside", attr: "Vwi---tz-k", origin: "disk")) == .snapshot, "lvcreate -s: origin and activation skip")
        #expect(try role(Self.row("clone", attr: "Vwi-a-tz--", origin: "outside")) == .disk(thin: true), "a writable copy is a disk")
        #expect(try role(Self.row("s-bp1afnc98r8kjh4x7q2m", attr: "Vwi---tz--", tags: "s-bp1afnc98r8kjh4x7q2m")) == .snapshot,
                "a tag says snapshot even without activation skip")
        #expect(try role(Self.row("copy", attr: "Vwi-a-tz-k", origin: "x", tags: "d-bp1afnc98r8kjh4x7q2m")) == .disk(thin: true))
        #expect(try role(Self.row("disk", attr: "Owi-aotz--")) == .disk(thin: true), "an origin with a rollback pending")
        #expect(try role(Self.row("pool", attr: "twi-aotz--", layout: "thin,pool")) == .other)
        #expect(try role(Self.row("thick", attr: "-wi-a-----", layout: "linear")) == .disk(thin: false))
        #expect(try role(Self.row("classic", attr: "swi-a-s---", layout: "linear")) == .other, "a classic snapshot is not a disk")
        #expect(try role(Self.row("[pool_tmeta]", attr: "ewi-ao----", layout: "linear")) == .other)
    }

    @Test func percentagesAndDeviceNumbersAreRead() throws {
        let pool = try Self.volume(Self.row("pool", attr: "twi-aotz--", layout: "thin,pool", data: "1.76", meta: "11.33", major: "254", minor: "2"))
        #expect(pool.dataPercent == 1.76 && pool.metadataPercent == 11.33)
        #expect(LVMInventory.deviceNumber(pool) == DeviceNumber(major: 254, minor: 2))
        let inactive = try Self.volume(Self.row("snap", attr: "Vwi---tz-k"))
        #expect(inactive.dataPercent == nil && LVMInventory.deviceNumber(inactive) == nil, "-1 and empty mean none")
    }

    @Test func aFullPoolIsRefusedWithItsFigures() throws {
        let limit = PoolUsageLimit.default
        try limit.check(pool: "vg/pool", dataPercent: 95, metadataPercent: 11)
        #expect { try limit.check(pool: "vg/pool", dataPercent: 97.5, metadataPercent: 96.25) } throws: { error in
            let message = (error as? SnapshotsError)?.message ?? ""
            return message.contains("vg/pool") && message.contains("data 97.50%") && message.contains("metadata 96.25%")
                && message.contains("95%")
        }
        #expect(throws: SnapshotsError.self) { try PoolUsageLimit(percent: 0) }
        #expect(throws: SnapshotsError.self) { try PoolUsageLimit(percent: .nan) }
    }

    @Test func logicalVolumeReferencesAreVGSlashLV() {
        #expect(SnapshotService.logicalVolumeReference("vg0/data")! == ("vg0", "data"))
        #expect(SnapshotService.logicalVolumeReference("/dev/vg0/data")! == ("vg0", "data"))
        #expect(SnapshotService.logicalVolumeReference("/dev/mapper/dmsnap-d-x") == nil)
        #expect(SnapshotService.logicalVolumeReference("/dev/dmsnap/web") == nil)
        #expect(SnapshotService.logicalVolumeReference("data") == nil)
        #expect(SnapshotService.logicalVolumeReference("a/b/c") == nil)
    }

    @Test func theSystemDiskIsTheDeviceUnderRoot() {
        let table = MountTable(parsing: """
            22 1 254:3 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw
            30 22 254:5 / /srv rw,relatime shared:2 - ext4 /dev/mapper/vg-srv rw
            """)
        #expect(table.rootDevice == DeviceNumber(major: 254, minor: 3))
    }
}

struct RollbackCopyNameTests {
    @Test func aCopyIsNamedAfterTheSnapshotAndTheIntent() {
        #expect(SnapshotService.nameBeforeRollback("s-bp1afnc98r8kjh4x7q2m_r12") == "s-bp1afnc98r8kjh4x7q2m")
        #expect(SnapshotService.nameBeforeRollback("my_rollback_r3") == "my_rollback")
        #expect(SnapshotService.nameBeforeRollback("s-bp1afnc98r8kjh4x7q2m") == nil)
        #expect(SnapshotService.nameBeforeRollback("_r3") == nil)
        #expect(SnapshotService.nameBeforeRollback("data_rx") == nil)
    }
}
