import Foundation
import GRDB

/// Where a disk or snapshot lives: a pool dmsnap drives itself, or LVM.
public enum Backend: String, Codable, Sendable {
    case native, lvm
}

/// Where an LVM-backed disk or snapshot is: its LV, found again by UUID
/// whatever it is renamed to.
public struct LVMLocator: Codable, Sendable, Equatable {
    public var uuid: String
    public var volumeGroup: String
    /// The LV's name when dmsnap last saw it.
    public var logicalVolume: String

    public var qualifiedName: String { "\(volumeGroup)/\(logicalVolume)" }
}

/// A thin pool dmsnap manages itself (backend `native`).
public struct PoolRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "pool"

    public var name: String
    /// Block devices under the pool, as /dev paths.
    public var dataDevice: String
    public var metadataDevice: String
    /// For a file-backed pool: the sparse files the loop devices are attached to.
    public var dataFile: String?
    public var metadataFile: String?
    public var blockSizeSectors: UInt64
    public var lowWaterMarkBlocks: UInt64
    public var dataSectors: UInt64
    /// The pool's transaction id as of the last committed operation.
    public var transactionId: UInt64
    /// The next unused 24-bit thin device id.
    public var nextThinId: UInt32
    public var createdAt: Date
}

/// A thin volume dmsnap exposes as a disk.
public struct DiskRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "disk"

    public var id: String
    public var name: String
    public var description: String
    public var poolName: String
    public var thinId: UInt32
    public var sizeBytes: UInt64
    public var createdAt: Date
    /// The snapshot a clone was made from.
    public var sourceSnapshotId: String?
    public var backend: Backend = .native
    /// For `lvm`: the LV; `poolName` is then `vg/pool` (empty for a thick LV) and `thinId` is 0.
    public var lvUuid: String? = nil
    public var volumeGroup: String? = nil
    public var logicalVolume: String? = nil
    /// When dmsnap last found the disk's LV gone (removed behind its back).
    public var missingSince: Date? = nil

    public var lvm: LVMLocator? {
        guard backend == .lvm, let lvUuid, let volumeGroup, let logicalVolume else { return nil }
        return LVMLocator(uuid: lvUuid, volumeGroup: volumeGroup, logicalVolume: logicalVolume)
    }
}

/// A thin snapshot of a disk; its thin device stays inactive unless exposed.
public struct SnapshotRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "snapshot"

    public var id: String
    public var name: String
    public var description: String
    public var diskId: String
    public var poolName: String
    public var thinId: UInt32
    public var sourceDiskSizeBytes: UInt64
    public var createdAt: Date
    public var modifiedAt: Date
    public var retentionDays: Int?
    public var groupId: String?
    /// How long the origin's I/O was held, in microseconds.
    public var holdWindowMicroseconds: Int64
    public var backend: Backend = .native
    /// For `lvm`: the snapshot's LV (see `DiskRecord`).
    public var lvUuid: String? = nil
    public var volumeGroup: String? = nil
    public var logicalVolume: String? = nil
    /// Found by discovery: made with lvcreate, not by dmsnap.
    public var madeOutside: Bool = false
    public var missingSince: Date? = nil

    public var lvm: LVMLocator? {
        guard backend == .lvm, let lvUuid, let volumeGroup, let logicalVolume else { return nil }
        return LVMLocator(uuid: lvUuid, volumeGroup: volumeGroup, logicalVolume: logicalVolume)
    }
}

/// Snapshots of several disks taken at one instant (ECS snapshot-consistent group).
public struct SnapshotGroupRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "snapshotGroup"

    public enum Status: String, Codable, Sendable {
        /// Its snapshots are being taken.
        case progressing
        case accomplished
        /// Interrupted (a crash, the deadline): no snapshot of it was kept.
        case failed
    }

    public var id: String
    public var name: String
    public var description: String
    public var createdAt: Date
    public var status: Status
    /// From the first hold to the last release, in microseconds.
    public var holdWindowMicroseconds: Int64
    /// The disks, in the order they were given (a JSON array in the catalog).
    public var diskIds: [String]
}

/// A multi-step operation in flight, written before the kernel is touched so
/// that `recover` can finish or undo it after a crash.
public struct IntentRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "intent"

    public var id: Int64?
    public var operation: String
    public var poolName: String
    /// The pool's transaction id before the operation; the operation commits in
    /// the kernel by moving it to `transactionId + 1`.
    public var transactionId: UInt64
    /// Operation-specific details, JSON.
    public var payload: Data
    public var createdAt: Date

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
