import DeviceMapper
import Foundation
import LVM

extension SnapshotService {
    /// Whether the mapped device `number` is still open once openers that
    /// come and go by themselves have gone. udev's watch rule re-probes a
    /// device (blkid opens it) each time a writer closes it, so an open count
    /// right after a write does not mean that anyone uses the disk. A mount or
    /// a device stacked on it is use at once; any other opener gets up to
    /// `patience` seconds to close.
    func isStillOpen(_ number: DeviceNumber, patience: TimeInterval = 3) throws -> Bool {
        let sysfs = "/sys/dev/block/\(number.major):\(number.minor)"
        guard let name = try? String(contentsOfFile: "\(sysfs)/dm/name", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines) else { return false }
        let deadline = Date().addingTimeInterval(patience)
        while true {
            guard let info = try deviceMapper.info(name), info.number == number, info.openCount > 0 else { return false }
            let holders = (try? FileManager.default.contentsOfDirectory(atPath: "\(sysfs)/holders")) ?? []
            if !holders.isEmpty || MountTable.current().mountPoint(of: number) != nil || Date() >= deadline { return true }
            usleep(50_000)
        }
    }

    /// The same for an LV that LVM's report shows open; one without a device
    /// number in the report is taken as open.
    func isStillOpen(_ volume: LogicalVolume) throws -> Bool {
        guard volume.attributes.isOpen else { return false }
        return try LVMInventory.deviceNumber(volume).map { try isStillOpen($0) } ?? true
    }
}
