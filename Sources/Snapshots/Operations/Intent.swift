import Foundation

/// The multi-step operations that leave an intent behind while they run.
enum IntentOperation: String, Codable {
    case createDisk, cloneDisk, createSnapshot, resetDisk, deleteDisk, deleteSnapshot
    /// A snapshot's thin device deleted, its record kept (its copy is in a repository).
    case releaseSnapshot
    /// A disk rolled back to a released snapshot: its copy restored into a
    /// new thin device, which then takes the disk's place as in `resetDisk`.
    case resetFromRepository
    /// One member of a snapshot group; the group's members in one pool commit together.
    case createGroupSnapshot
    /// LVM's: recovery asks LVM what exists rather than a pool's transaction id.
    case lvmCreateSnapshot, lvmCloneDisk, lvmResetDisk, lvmDeleteDisk, lvmDeleteSnapshot, lvmReleaseSnapshot
    /// A pool's own life: no transaction id marks their progress; recovery
    /// undoes a creation (removes what it made) and finishes a deletion.
    case createPool, deletePool

    var isLVM: Bool { rawValue.hasPrefix("lvm") }
    var isPoolLifecycle: Bool { self == .createPool || self == .deletePool }

    /// Operations that make a new thin device before their commit point, and
    /// are undone (the device deleted) when a crash stops them short of it.
    var allocatesThinDevice: Bool {
        switch self {
        case .createDisk, .cloneDisk, .createSnapshot, .resetDisk, .createGroupSnapshot, .resetFromRepository: true
        case .deleteDisk, .deleteSnapshot, .releaseSnapshot, .createPool, .deletePool: false
        case .lvmCreateSnapshot, .lvmCloneDisk, .lvmResetDisk, .lvmDeleteDisk, .lvmDeleteSnapshot, .lvmReleaseSnapshot: false
        }
    }
}

/// What recovery needs to finish or undo an operation.
struct IntentPayload: Codable, Equatable {
    var id: String
    var name: String = ""
    var description: String = ""
    var diskId: String?
    var snapshotId: String?
    var newThinId: UInt32?
    var oldThinId: UInt32?
    var sizeBytes: UInt64 = 0
    var retentionDays: Int?
    /// A new snapshot's `SnapshotRecord.instantAccessRetentionDays`.
    var instantAccessRetentionDays: Int?
    var holdWindowMicroseconds: Int64 = 0
    /// LVM: the LV the operation started from, and the one it makes.
    var lvUuid: String?
    var newLogicalVolume: String?
    var deferred: Bool?
    var groupId: String?
    /// `createPool`, `deletePool`: the pool, with its files (and, for a
    /// creation, the identity its devices get).
    var pool: PoolRecord?
}

/// Named points where the test suite can kill dmsnap (`DMSNAP_CRASH_AT=NAME`)
/// to prove that `recover` restores agreement between catalog and kernel.
enum CrashPoint {
    static let requested = ProcessInfo.processInfo.environment["DMSNAP_CRASH_AT"]
    /// A test's pause, to send a signal at a known step: DMSNAP_PAUSE_AT=NAME waits 3 s there.
    static let pause = ProcessInfo.processInfo.environment["DMSNAP_PAUSE_AT"]

    static func reach(_ name: String) {
        if requested == name { kill(getpid(), SIGKILL) }
        if pause == name { Thread.sleep(forTimeInterval: 3) }
    }
}
