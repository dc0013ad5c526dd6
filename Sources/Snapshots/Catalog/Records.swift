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
    /// The pool's identity: 20 random characters of `[a-z0-9]`, made by `pool
    /// create` (or by the catalog's migration for a pool made before), and
    /// carried by its device-mapper names and UUIDs (`KernelNames`) and its
    /// manifest. Two state directories may each have a pool of one name; their
    /// identities tell them apart. "" stands for none (a manifest written
    /// before identities, or a pool found live with its old names, see
    /// `KernelNames`); `pool create` always draws one.
    public var poolId: String = ""

    static let poolIdLength = ResourceID.bodyLength

    static func newPoolId() -> String {
        var generator = SystemRandomNumberGenerator()
        return ResourceID.generateBody(using: &generator)
    }

    static func isPoolId(_ text: String) -> Bool {
        text.unicodeScalars.count == poolIdLength && text.unicodeScalars.allSatisfy(ResourceID.isBodyScalar)
    }

    /// The name of the pool's thin-pool device, as `dmsetup ls` shows it.
    public var kernelName: String { KernelNames.pool(self) }
    /// The name of the pool's manifest device.
    public var manifestKernelName: String { KernelNames.manifest(self) }
}

extension PoolRecord {
    /// As synthesized, except that `poolId` may be absent: manifests written
    /// by dmsnap before pool identities have none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        dataDevice = try container.decode(String.self, forKey: .dataDevice)
        metadataDevice = try container.decode(String.self, forKey: .metadataDevice)
        dataFile = try container.decodeIfPresent(String.self, forKey: .dataFile)
        metadataFile = try container.decodeIfPresent(String.self, forKey: .metadataFile)
        blockSizeSectors = try container.decode(UInt64.self, forKey: .blockSizeSectors)
        lowWaterMarkBlocks = try container.decode(UInt64.self, forKey: .lowWaterMarkBlocks)
        dataSectors = try container.decode(UInt64.self, forKey: .dataSectors)
        transactionId = try container.decode(UInt64.self, forKey: .transactionId)
        nextThinId = try container.decode(UInt32.self, forKey: .nextThinId)
        createdAt = try container.decode(Date.self, forKey: .createdAt)
        poolId = try container.decodeIfPresent(String.self, forKey: .poolId) ?? ""
    }
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
    /// When its local thin device (native) or LV (LVM) was deleted, its copy in
    /// a repository kept: the snapshot is then restored from there. `thinId`
    /// and the LV fields still name what it had, which nothing may use again
    /// (see `requireLocalDevice`).
    public var releasedAt: Date? = nil
    /// How long the local device stays once the snapshot is copied (ECS
    /// InstantAccessRetentionDays): nil, until released by hand; 0, released
    /// as soon as its copy is accomplished (ECS InstantAccess false); N,
    /// released by the first sweep N days after it was taken.
    public var instantAccessRetentionDays: Int? = nil

    /// The snapshot's data is only in a repository now.
    public var isReleased: Bool { releasedAt != nil }

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
