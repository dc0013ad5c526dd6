import Foundation
import Snapshots

/// A SnapshotGroup object as DescribeSnapshotGroups returns it.
public struct ECSSnapshotGroup: Encodable, Sendable {
    public struct Member: Encodable, Sendable {
        public var SnapshotId: String
        public var SourceDiskId: String
        public var SourceDiskType: String
        public var Progress: String
        public var Available: Bool
        public var InstantAccess: Bool
    }

    public struct MemberList: Encodable, Sendable {
        public var Snapshot: [Member]
    }

    public var SnapshotGroupId: String
    public var Name: String
    public var Description: String
    public var Status: String
    public var ProgressStatus: String
    public var CreationTime: String
    public var InstanceId: String
    public var Snapshots: MemberList
    /// dmsnap's: how long the group's I/O was held, in milliseconds.
    public var HoldWindowMs: Double

    public init(_ group: SnapshotGroupRecord, snapshots: [SnapshotRecord], instanceId: String) {
        SnapshotGroupId = group.id
        Name = group.name
        Description = group.description
        Status = group.status.rawValue
        ProgressStatus = group.status == .accomplished ? "Accomplished" : group.status == .failed ? "Failed" : "Progressing"
        CreationTime = ECSTimestamp.string(group.createdAt)
        InstanceId = instanceId
        Snapshots = MemberList(Snapshot: snapshots.map {
            Member(SnapshotId: $0.id, SourceDiskId: $0.diskId, SourceDiskType: "data", Progress: "100%",
                   Available: $0.missingSince == nil, InstantAccess: !$0.isReleased)
        })
        HoldWindowMs = Double(group.holdWindowMicroseconds) / 1000
    }
}

extension ECSResponse {
    public struct CreatedGroup: Encodable {
        public var RequestId: String
        public var SnapshotGroupId: String
        /// dmsnap's: the measured hold window, in milliseconds.
        public var HoldWindowMs: Double
        public init(RequestId: String, SnapshotGroupId: String, HoldWindowMs: Double) {
            self.RequestId = RequestId
            self.SnapshotGroupId = SnapshotGroupId
            self.HoldWindowMs = HoldWindowMs
        }
    }

    /// `--DryRun true`: the freeze plan, step by step, instead of a group.
    public struct GroupPlan: Encodable {
        public var RequestId: String
        public var DryRun: Bool
        public var Holds: [String]
        public var Releases: [String]
        /// dmsnap's: the numbers (from 1) of the holds taken at once, each on a thread of its own.
        public var HoldsTakenTogether: [Int]
        /// dmsnap's: whether its memory would be locked for the hold, and why.
        public var MemoryLocked: Bool
        public var MemoryLockReason: String?
        public init(RequestId: String, plan: FreezePlan, memoryLockReason: String?) {
            self.RequestId = RequestId
            DryRun = true
            Holds = plan.holds.map(\.description)
            Releases = plan.holds.reversed().map(\.release)
            HoldsTakenTogether = plan.takenTogether.map { $0 + 1 }
            MemoryLocked = memoryLockReason != nil
            MemoryLockReason = memoryLockReason
        }
    }

    public struct SnapshotGroupList: Encodable {
        public var SnapshotGroup: [ECSSnapshotGroup]
    }

    public struct DescribeSnapshotGroups: Encodable {
        public var RequestId: String
        public var SnapshotGroups: SnapshotGroupList
        public init(RequestId: String, groups: [ECSSnapshotGroup]) {
            self.RequestId = RequestId
            SnapshotGroups = SnapshotGroupList(SnapshotGroup: groups)
        }
    }
}
