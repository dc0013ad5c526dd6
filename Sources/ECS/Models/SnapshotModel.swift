import Foundation
import Snapshots

/// A Snapshot object as DescribeSnapshots returns it.
public struct ECSSnapshot: Encodable, Sendable {
    public var SnapshotId: String
    public var SnapshotName: String
    public var Description: String
    public var Status: String
    public var Progress: String
    public var RemainTime: Int
    public var SourceDiskId: String
    public var SourceDiskSize: String
    public var SourceDiskType: String
    public var SourceStorageType: String
    public var Category: String
    public var CreationTime: String
    public var LastModifiedTime: String
    public var Usage: String
    public var SnapshotType: String
    public var RetentionDays: Int?
    public var SnapshotGroupId: String?
    /// Whether the snapshot's local thin device (or LV) is still there: false
    /// once released, its data then only in a repository.
    public var InstantAccess: Bool
    /// Days after creation when the local device is released (nil: kept until released by hand).
    public var InstantAccessRetentionDays: Int?
    /// Whether disks can be made of it and rolled back to it: from the local
    /// device, or once released from its copy. False only when missing.
    public var Available: Bool
    public var Encrypted: Bool
    /// dmsnap's own: how long the disk's I/O was held, in milliseconds (for
    /// LVM, the whole lvcreate call: an upper bound).
    public var HoldWindowMs: Double
    /// dmsnap's: native or lvm; for lvm, the snapshot's LV and whether it was
    /// made outside dmsnap (plain lvcreate) and found by discovery.
    public var Backend: String
    public var LogicalVolume: String?
    public var MadeOutside: Bool
    /// dmsnap's: why the copy into a repository failed (Status `failed`).
    public var CopyFailure: String?

    /// `copy`: the snapshot's copy into a repository, if it has one, which
    /// decides its Status, Progress and RemainTime as ECS's copy to OSS does.
    public init(_ record: SnapshotRecord, copy: SnapshotCopyRecord? = nil, sourceDiskType: String = "data", usage: String = "none") {
        SnapshotId = record.id
        SnapshotName = record.name
        Description = record.description
        // dmsnap's "missing": the LV was removed outside dmsnap; the record stays.
        Status = record.missingSince != nil ? "missing" : copy?.status.rawValue ?? "accomplished"
        Progress = "\(copy?.progressPercent ?? 100)%"
        RemainTime = copy?.status == .progressing ? copy?.remainSeconds ?? -1 : 0
        CopyFailure = copy?.status == .failed ? copy?.reason : nil
        SourceDiskId = record.diskId
        // ECS reports the source size in whole GiB, as a string.
        SourceDiskSize = String((record.sourceDiskSizeBytes + (1 << 30) - 1) >> 30)
        SourceDiskType = sourceDiskType
        SourceStorageType = "disk"
        Category = "standard"
        CreationTime = ECSTimestamp.string(record.createdAt)
        LastModifiedTime = ECSTimestamp.string(record.modifiedAt)
        Usage = usage
        SnapshotType = record.name.hasPrefix("auto") ? "auto" : "user"
        RetentionDays = record.retentionDays
        SnapshotGroupId = record.groupId
        InstantAccess = !record.isReleased
        InstantAccessRetentionDays = record.instantAccessRetentionDays.flatMap { $0 > 0 ? $0 : nil }
        Available = record.missingSince == nil
        Encrypted = false
        HoldWindowMs = Double(record.holdWindowMicroseconds) / 1000
        Backend = record.backend.rawValue
        LogicalVolume = record.lvm?.qualifiedName
        MadeOutside = record.madeOutside
    }
}
