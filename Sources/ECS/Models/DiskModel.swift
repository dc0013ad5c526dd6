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

    public init(_ view: DiskView) {
        DiskId = view.record.id
        DiskName = view.record.name
        Description = view.record.description
        Size = Int((view.record.sizeBytes + (1 << 30) - 1) >> 30)
        SizeBytes = view.record.sizeBytes
        Type = "data"
        Category = "cloud_essd"
        // ECS: In_use when attached and in use, Available when detached.
        Status = !view.isActive ? "Unavailable" : (view.openCount > 0 ? "In_use" : "Available")
        Portable = true
        CreationTime = ECSTimestamp.string(view.record.createdAt)
        SourceSnapshotId = view.record.sourceSnapshotId ?? ""
        Device = view.devicePath
        ReadableDevice = "/dev/dmsnap/\(view.record.name)"
        MountPoint = view.mountPoint
        PoolName = view.record.poolName
        Backend = "native"
    }
}
