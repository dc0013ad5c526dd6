import DeviceMapper
import Foundation

/// What the kernel says of an active LVM thin volume and its pool, read with
/// a few dm ioctls instead of an LVM report: the fast path of CreateSnapshot,
/// which then runs only `lvcreate` through LVM, as the lvcreate command would.
struct LVMKernelView {
    /// The volume's dm device.
    let device: DeviceNumber
    let dataPercent: Double?
    let metadataPercent: Double?

    /// LVM's dm name for VG/LV: each '-' in a name doubled, the two joined by '-'.
    static func deviceName(volumeGroup: String, logicalVolume: String, layer: String? = nil) -> String {
        ([volumeGroup, logicalVolume] + (layer.map { [$0] } ?? []))
            .map { $0.replacingOccurrences(of: "-", with: "--") }.joined(separator: "-")
    }

    /// Nil unless the disk's LV is active in the kernel as a thin volume with
    /// the UUID the catalog holds (then discovery is needed).
    static func read(_ disk: DiskRecord, deviceMapper: DeviceMapper) -> LVMKernelView? {
        guard let locator = disk.lvm, !disk.poolName.isEmpty,
              let info = try? deviceMapper.info(deviceName(volumeGroup: locator.volumeGroup, logicalVolume: locator.logicalVolume)),
              // LVM's dm UUID is "LVM-" + the VG's UUID + the LV's, without dashes.
              info.uuid?.hasSuffix(locator.uuid.replacingOccurrences(of: "-", with: "")) == true,
              let table = try? deviceMapper.table(info.name), table.count == 1, table.first?.type == "thin" else { return nil }
        let pool = disk.poolName.split(separator: "/").last.map(String.init) ?? ""
        let status = try? deviceMapper.thinPoolStatus(deviceName(volumeGroup: locator.volumeGroup, logicalVolume: pool, layer: "tpool"))
        guard let details = status?.details else { return nil }
        return LVMKernelView(device: info.number, dataPercent: details.data.percentUsed, metadataPercent: details.metadata.percentUsed)
    }
}
