import Foundation
import GRDB

/// A repository this host copies snapshots into: a directory (another disk,
/// an NFS or CIFS mount, a USB disk) that holds chunks and one manifest per
/// snapshot, found again by its own ID wherever it is mounted.
public struct RepositoryRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "repository"

    /// The name this host gives it (dmsnap's names rule).
    public var name: String
    public var path: String
    /// The ID written in the repository itself (`r-…`); every host that
    /// attaches the repository sees the same one.
    public var repositoryId: String
    /// Snapshots of every disk are copied here unless their pool has a target of its own.
    public var isDefault: Bool
    public var createdAt: Date
}

/// The repository a pool's snapshots are copied into when none is named,
/// chosen over the default one (`dmsnap pool set POOL --copy-to REPO`).
/// `poolName` is a native pool's name or an LVM thin pool's `vg/pool`.
public struct PoolCopyTargetRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "poolCopyTarget"

    public var poolName: String
    public var repositoryName: String
}

/// One snapshot's copy into a repository, and how far it has come.
public struct SnapshotCopyRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "snapshotCopy"

    /// ECS's snapshot statuses, which the copy decides for a snapshot that has one.
    public enum Status: String, Codable, Sendable {
        case progressing, accomplished, failed
    }

    public var snapshotId: String
    public var repositoryId: String
    public var status: Status
    /// The snapshot copied before it, whose manifest the copy started from;
    /// nil for a full copy.
    public var baseSnapshotId: String?
    public var bytesDone: UInt64
    public var bytesTotal: UInt64
    /// Seconds left at the measured rate; nil until there is a rate.
    public var remainSeconds: Int?
    /// Why a copy failed, as the error said it.
    public var reason: String?
    public var startedAt: Date
    public var finishedAt: Date?
    /// The snapshot's device was up (exposed by its user) when the copy began:
    /// the copy leaves it up; otherwise it hides the device it exposed.
    public var keepsDeviceUp = false

    /// ECS's "37%": whole percent, 100% only once accomplished.
    public var progressPercent: Int {
        if status == .accomplished { return 100 }
        guard bytesTotal > 0 else { return 0 }
        return min(99, Int(bytesDone * 100 / bytesTotal))
    }
}
