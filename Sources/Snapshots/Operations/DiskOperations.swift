import DeviceMapper
import Foundation
import GRDB

/// A disk with what the kernel (and LVM) says of it.
public struct DiskView: Sendable {
    public let record: DiskRecord
    /// /dev/mapper/dmsnap-d-…, or /dev/VG/LV.
    public let devicePath: String
    public let isActive: Bool
    public let openCount: Int32
    public let mountPoint: String?
    /// Carries the mounted `/` (ECS Type "system").
    public var isSystem = false
    /// False for a thick LV: listed, never snapshotted.
    public var isThin = true
    /// LVM will merge a rollback at the disk's next activation.
    public var resetPending = false
    public var isMissing: Bool { record.missingSince != nil }
}

extension SnapshotService {
    public static let gibibyte: UInt64 = 1 << 30

    /// A new, empty thin disk: a thin device in a native pool, or a thin LV
    /// in an LVM thin pool named `vg/pool`. `id` is a `d-` ID chosen
    /// beforehand (a restore takes its lease on it first), or nil for a new one.
    public func createDisk(sizeBytes: UInt64, name given: String?, description: String = "", poolName: String?,
                           id chosen: String? = nil) throws -> DiskRecord {
        let name = try given.map { try Validation.name($0, what: "disk name") }
        try Validation.requireDescription(description)
        guard sizeBytes > 0, sizeBytes % 512 == 0 else {
            throw SnapshotsError(.invalidParameter, "the disk size must be a positive whole number of sectors")
        }
        return try mutating {
            if let poolName, Self.isLVMPoolName(poolName) {
                try requireUnusedName(name)
                return try createLVMDisk(sizeBytes: sizeBytes, name: name, description: description, poolName: poolName,
                                         id: chosen ?? newResourceID(.disk))
            }
            let pool = try defaultPool(poolName)
            let poolBytes = pool.dataSectors * 512
            guard sizeBytes <= poolBytes * 64 else {
                throw SnapshotsError(.invalidParameter, "a \(sizeBytes)-byte disk is more than 64 times pool \(pool.name) (\(poolBytes) bytes)")
            }
            let id = chosen ?? newResourceID(.disk)
            try requireUnusedName(name)
            let payload = IntentPayload(id: id, name: name ?? id, description: description, sizeBytes: sizeBytes)
            return try runCreation(.createDisk, pool: pool, payload: payload) { native, thinId in
                try native.send(.createThin(ThinDeviceID(thinId)))
            }
        }
    }

    /// A new writable disk that shares its blocks with `snapshotId` (ECS CreateDisk --SnapshotId).
    /// - Parameters:
    ///   - sizeBytes, poolName: what the caller asked for, if anything: a
    ///     clone has its snapshot's size and lives in its snapshot's pool, and
    ///     anything else is refused rather than ignored.
    ///   - id: a `d-` ID chosen beforehand, as for `createDisk`.
    public func cloneDisk(fromSnapshot snapshotId: String, name given: String?, description: String = "",
                          sizeBytes: UInt64? = nil, poolName: String? = nil, id chosen: String? = nil) throws -> DiskRecord {
        try Validation.requireID(snapshotId, kind: .snapshot)
        let name = try given.map { try Validation.name($0, what: "disk name") }
        try Validation.requireDescription(description)
        return try mutating {
            let source = try snapshot(snapshotId)
            try requireLocalDevice(source)
            if let sizeBytes, sizeBytes != source.sourceDiskSizeBytes {
                throw SnapshotsError(.invalidParameter, """
                    a disk made from snapshot \(source.id) has the snapshot's size, \(Self.shownSize(source.sourceDiskSizeBytes)), \
                    not \(Self.shownSize(sizeBytes)); leave out the size
                    """)
            }
            if let poolName, poolName != source.poolName {
                throw SnapshotsError(.invalidParameter, """
                    a disk made from snapshot \(source.id) lives in the snapshot's pool, \(source.poolName), \
                    not \(UntrustedText.quoted(poolName, limit: 80)); leave out the pool
                    """)
            }
            if source.backend == .lvm {
                try requireUnusedName(name)
                return try cloneLVMDisk(from: source, name: name, description: description, id: chosen ?? newResourceID(.disk))
            }
            let pool = try pool(named: source.poolName)
            let id = chosen ?? newResourceID(.disk)
            try requireUnusedName(name)
            var payload = IntentPayload(id: id, name: name ?? id, description: description, sizeBytes: source.sourceDiskSizeBytes)
            payload.snapshotId = source.id
            // The snapshot is never active-writable, so it needs no suspend.
            return try runCreation(.cloneDisk, pool: pool, payload: payload) { native, thinId in
                try native.send(.createSnapshot(ThinDeviceID(thinId), origin: ThinDeviceID(source.thinId)))
            }
        }
    }

    /// GiB as ECS gives sizes, or bytes where that would round.
    static func shownSize(_ bytes: UInt64) -> String {
        bytes % (1 << 30) == 0 ? "\(bytes >> 30) GiB" : "\(bytes) bytes"
    }

    public func describeDisks() throws -> [DiskView] {
        let inventory = try discoverLVMIfEnabled()
        let disks = try catalog.read { db in try DiskRecord.order(Column("createdAt"), Column("id")).fetchAll(db) }
        let mounts = MountTable.current()
        return try disks.map { disk in
            if disk.backend == .lvm { return DiskView(lvm: disk, inventory: inventory, mounts: mounts) }
            let info = try deviceMapper.info(KernelNames.volume(disk.id))
            return DiskView(record: disk, devicePath: "/dev/mapper/\(KernelNames.volume(disk.id))",
                            isActive: info != nil, openCount: info?.openCount ?? 0,
                            mountPoint: info.flatMap { mounts.mountPoint(of: $0.number) })
        }
    }

    /// Deletes a disk that nothing has open; its snapshots stay.
    public func deleteDisk(_ id: String) throws {
        try Validation.requireID(id, kind: .disk)
        try mutating { try deleteDiskLocked(id) }
    }

    /// `deleteDisk` with the state directory's lock held.
    func deleteDiskLocked(_ id: String) throws {
        do {
            let disk = try disk(id)
            if disk.backend == .lvm { return try deleteLVMDisk(disk) }
            try requireIdle(disk)
            let pool = try pool(named: disk.poolName)
            let native = nativePool(pool)
            var payload = IntentPayload(id: disk.id)
            payload.oldThinId = disk.thinId
            let (intent, current) = try beginIntent(.deleteDisk, pool: pool, payload: payload)
            try native.deactivateVolume(disk.id)
            CrashPoint.reach("deleteDisk.afterDeactivate")
            try native.deleteThin(disk.thinId)
            try native.commit(from: current.transactionId)
            CrashPoint.reach("deleteDisk.afterCommit")
            try finish(intent)
            removeLink(for: disk)
        }
    }

    /// Refuses a disk that is open or mounted (ECS IncorrectDiskStatus).
    func requireIdle(_ disk: DiskRecord) throws {
        guard let info = try deviceMapper.info(KernelNames.volume(disk.id)), info.openCount > 0,
              try isStillOpen(info.number) else { return }
        if let mountPoint = MountTable.current().mountPoint(of: info.number) {
            throw SnapshotsError(.incorrectDiskStatus, "disk \(disk.id) (\(disk.name)) is mounted on \(mountPoint); unmount it first")
        }
        throw SnapshotsError(.incorrectDiskStatus, "disk \(disk.id) (\(disk.name)) is open (\(info.openCount) opener(s)); close it first")
    }

    /// create_thin or create_snap, commit, then activate and record: the shared
    /// path of CreateDisk and its clone form.
    private func runCreation(_ operation: IntentOperation, pool: PoolRecord, payload: IntentPayload,
                             makeThin: (NativePool, UInt32) throws -> Void) throws -> DiskRecord {
        let native = nativePool(pool)
        try native.requireWritable()
        let largest = DiskRecord(id: payload.id, name: payload.name, description: payload.description, poolName: pool.name,
                                 thinId: .max, sizeBytes: .max, createdAt: Date(), sourceSnapshotId: payload.snapshotId)
        try requireManifestRoom(pool, adding: ManifestSize.of(largest))
        let (intent, current) = try beginIntent(operation, pool: pool, payload: payload)
        let stored = try JSONDecoder().decode(IntentPayload.self, from: intent.payload)
        guard let thinId = stored.newThinId else { throw SnapshotsError(.internalError, "intent without a thin id") }
        CrashPoint.reach("\(operation.rawValue).afterIntent")
        try makeThin(native, thinId)
        CrashPoint.reach("\(operation.rawValue).afterMessage")
        try native.commit(from: current.transactionId)
        CrashPoint.reach("\(operation.rawValue).afterCommit")
        return try finishDiskCreation(intent, payload: stored, pool: pool)
    }

    /// After the commit point: activate the disk and record it (also run by recovery).
    func finishDiskCreation(_ intent: IntentRecord, payload: IntentPayload, pool: PoolRecord) throws -> DiskRecord {
        guard let thinId = payload.newThinId else { throw SnapshotsError(.internalError, "intent without a thin id") }
        try nativePool(pool).activateVolume(payload.id, thinId: thinId, sizeBytes: payload.sizeBytes)
        let disk = DiskRecord(id: payload.id, name: payload.name, description: payload.description, poolName: pool.name,
                              thinId: thinId, sizeBytes: payload.sizeBytes, createdAt: intent.createdAt,
                              sourceSnapshotId: payload.snapshotId)
        try catalog.write { db in
            try disk.insert(db)
            try markCommitted(db, intent: intent)
        }
        updateLink(for: disk)
        return disk
    }

    private func requireUnusedName(_ name: String?) throws {
        guard let name else { return }
        if try catalog.read({ db in try DiskRecord.filter(Column("name") == name).fetchCount(db) }) > 0 {
            throw SnapshotsError(.alreadyExists, "a disk named \(name) already exists")
        }
    }
}
