import Foundation
import Snapshots

/// A Disk object as DescribeDisks returns it, with dmsnap's `Device` path beside the ECS fields.
public struct ECSDisk: Encodable, Sendable {
    public var DiskId: String
    public var DiskName: String
    public var Description: String
    public var Size: Int
    public var SizeBytes: UInt64
    public var `Type`: String
    public var Category: String
    public var Status: String
    public var Portable: Bool
    public var CreationTime: String
    public var SourceSnapshotId: String
    public var Device: String
    public var ReadableDevice: String
    public var MountPoint: String?
    public var PoolName: String
    public var Backend: String
    /// dmsnap's: the LV of an LVM disk, `vg/lv`.
    public var LogicalVolume: String?
    /// dmsnap's: false for a thick LV, which is listed but cannot be snapshotted.
    public var Thin: Bool
    /// dmsnap's: LVM merges a deferred rollback at the disk's next activation.
    public var ResetPending: Bool

    public init(_ view: DiskView) {
        DiskId = view.record.id
        DiskName = view.record.name
        Description = view.record.description
        Size = Int((view.record.sizeBytes + (1 << 30) - 1) >> 30)
        SizeBytes = view.record.sizeBytes
        Type = view.isSystem ? "system" : "data"
        Category = "cloud_essd"
        // ECS: In_use when attached and in use, Available when detached. dmsnap
        // adds Missing: the LV was removed outside dmsnap; the record stays.
        Status = view.isMissing ? "Missing"
            : !view.isActive ? "Unavailable" : (view.openCount > 0 ? "In_use" : "Available")
        Portable = true
        CreationTime = ECSTimestamp.string(view.record.createdAt)
        SourceSnapshotId = view.record.sourceSnapshotId ?? ""
        Device = view.devicePath
        ReadableDevice = view.record.backend == .lvm ? view.devicePath : "/dev/dmsnap/\(view.record.name)"
        MountPoint = view.mountPoint
        PoolName = view.record.poolName
        Backend = view.record.backend.rawValue
        LogicalVolume = view.record.lvm?.qualifiedName
        Thin = view.isThin
        ResetPending = view.resetPending
    }
}
