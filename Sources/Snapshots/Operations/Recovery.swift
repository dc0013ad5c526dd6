import DeviceMapper
import Foundation
import GRDB

/// What `recover` did, for the user and the tests.
public struct RecoveryReport: Sendable {
    public var resumedDevices: [String] = []
    public var finished: [String] = []
    public var undone: [String] = []
    /// Holds of a snapshot group whose holder and guardian both died.
    public var releasedHolds: [String] = []
    /// Pools' metadata snapshots a killed block-map scan left reserved.
    public var releasedMetadataSnapshots: [String] = []
    /// Disks whose restore from a repository a crash interrupted.
    public var deletedRestores: [String] = []
}

extension SnapshotService {
    /// Finishes or undoes every operation a crash interrupted, and resumes any
    /// dmsnap device left suspended.
    @discardableResult
    public func recover() throws -> RecoveryReport {
        let lock = try OperationLock(stateDirectory: stateDirectory)
        defer { withExtendedLifetime(lock) {} }
        return try recoverLocked()
    }

    /// The pool's transaction id says whether an operation reached its commit
    /// point: one past the intent's means committed (roll forward), equal means
    /// not (roll back a creation; repeat a deletion, which cannot be undone).
    @discardableResult
    func recoverLocked() throws -> RecoveryReport {
        var report = RecoveryReport()
        report.releasedHolds = releaseAbandonedHolds()
        report.releasedMetadataSnapshots = MetadataSnapshotLease.releaseAbandoned(stateDirectory: stateDirectory, deviceMapper: deviceMapper)
        report.resumedDevices = try resumeSuspendedDevices()
        try adoptLegacyPoolDevices()
        let intents = try catalog.read { db in try IntentRecord.order(Column("id")).fetchAll(db) }
        for intent in intents {
            guard let operation = IntentOperation(rawValue: intent.operation) else {
                throw SnapshotsError(.internalError, "the catalog holds an intent of unknown kind \(intent.operation)")
            }
            let payload = try JSONDecoder().decode(IntentPayload.self, from: intent.payload)
            let label = "\(operation.rawValue) \(payload.id)"
            if operation.isPoolLifecycle {
                try recoverPoolLifecycle(intent, operation: operation, payload: payload, into: &report)
                continue
            }
            if operation.isLVM {
                if try recoverLVM(intent, operation: operation, payload: payload) {
                    report.finished.append(label)
                } else {
                    report.undone.append(label)
                }
                continue
            }
            let pool = try pool(named: intent.poolName)
            let native = nativePool(pool)
            try native.activate()
            let kernelTransaction = try native.transactionId()
            switch kernelTransaction {
            case intent.transactionId + 1:
                try rollForward(operation, intent: intent, payload: payload, pool: pool)
                report.finished.append(label)
            case intent.transactionId where operation.allocatesThinDevice:
                try rollBack(operation, intent: intent, payload: payload, pool: pool)
                report.undone.append(label)
            case intent.transactionId:
                // A deletion: repeat it to the end.
                if let oldThinId = payload.oldThinId {
                    try native.deactivateVolume(payload.id)
                    try native.deleteThin(oldThinId)
                }
                try native.commit(from: intent.transactionId)
                try rollForward(operation, intent: intent, payload: payload, pool: pool)
                report.finished.append(label)
            default:
                throw SnapshotsError(.recoveryNeeded, """
                    pool \(pool.name) is at transaction \(kernelTransaction), but the interrupted \(label) \
                    expected \(intent.transactionId) or \(intent.transactionId + 1); another program changed the pool
                    """)
            }
        }
        report.finished += try finishAbandonedPoolDeletions()
        try settleInterruptedGroups()
        report.deletedRestores = try deleteInterruptedRestores()
        return report
    }

    /// Settles the pool creations and deletions a crash interrupted, and
    /// nothing else: `activate` runs it before attaching any pool's files.
    func recoverPoolLifecycles() throws -> RecoveryReport {
        var report = RecoveryReport()
        let operations = [IntentOperation.createPool.rawValue, IntentOperation.deletePool.rawValue]
        for intent in try catalog.read({ db in try IntentRecord.filter(operations.contains(Column("operation"))).order(Column("id")).fetchAll(db) }) {
            let payload = try JSONDecoder().decode(IntentPayload.self, from: intent.payload)
            try recoverPoolLifecycle(intent, operation: IntentOperation(rawValue: intent.operation)!, payload: payload, into: &report)
        }
        report.finished += try finishAbandonedPoolDeletions()
        return report
    }

    /// A pool creation is undone (it made nothing the user has used yet); a
    /// deletion is finished (its intent was written after the pool was found empty).
    private func recoverPoolLifecycle(_ intent: IntentRecord, operation: IntentOperation, payload: IntentPayload,
                                      into report: inout RecoveryReport) throws {
        guard let pool = payload.pool else {
            throw SnapshotsError(.internalError, "the catalog holds a \(operation.rawValue) intent without its pool")
        }
        if operation == .createPool {
            try undoPoolCreation(pool, intent: intent)
            report.undone.append("createPool \(pool.name)")
        } else {
            try finishPoolDeletion(try catalog.read { db in try PoolRecord.fetchOne(db, key: pool.name) } ?? pool, intent: intent)
            report.finished.append("deletePool \(pool.name)")
        }
    }

    /// Renames the live devices of pools made before pool identities to the
    /// names that carry them (see `NativePool.adoptLegacyDevices`): one info
    /// ioctl a pool once done.
    private func adoptLegacyPoolDevices() throws {
        for pool in try catalog.read({ db in try PoolRecord.fetchAll(db) }) {
            try nativePool(pool).adoptLegacyDevices()
        }
    }

    private func rollForward(_ operation: IntentOperation, intent: IntentRecord, payload: IntentPayload, pool: PoolRecord) throws {
        switch operation {
        case .createDisk, .cloneDisk:
            _ = try finishDiskCreation(intent, payload: payload, pool: pool)
        case .createSnapshot, .createGroupSnapshot:
            _ = try finishSnapshotCreation(intent, payload: payload, pool: pool)
        case .resetDisk, .resetFromRepository:
            try finishReset(intent, payload: payload, pool: pool)
        case .deleteDisk, .deleteSnapshot, .releaseSnapshot:
            try finish(intent)
        case .lvmCreateSnapshot, .lvmCloneDisk, .lvmResetDisk, .lvmDeleteDisk, .lvmDeleteSnapshot, .lvmReleaseSnapshot,
             .createPool, .deletePool:
            throw SnapshotsError(.internalError, "a \(operation.rawValue) intent reached the native recovery")
        }
    }

    private func rollBack(_ operation: IntentOperation, intent: IntentRecord, payload: IntentPayload, pool: PoolRecord) throws {
        let native = nativePool(pool)
        if operation == .createDisk || operation == .cloneDisk {
            try native.deactivateVolume(payload.id)
        }
        if operation == .resetFromRepository {
            // The restore's scratch device: the disk itself was never touched.
            try native.deactivateScratch(ofDisk: payload.id)
        }
        if let thinId = payload.newThinId {
            try native.deleteThin(thinId)
        }
        // The records are as they were; the write repairs a manifest that an
        // earlier failure left behind the catalog.
        try catalog.write { db in
            try intent.delete(db)
            try self.writeManifest(db, poolName: pool.name)
        }
    }

    /// Resumes every suspended device of this catalog's native pools, disks
    /// and snapshots. Only this catalog's: the operation lock guarantees that
    /// no command of this state directory holds one meanwhile, but a dmsnap
    /// of another state directory may be in the middle of its own snapshot.
    func resumeSuspendedDevices() throws -> [String] {
        var suspended: [(name: String, uuid: String)] = []
        for device in try deviceMapper.list() {
            guard let info = try deviceMapper.info(device.name), info.isSuspended, let uuid = info.uuid else { continue }
            suspended.append((device.name, uuid))
        }
        // Nearly always none: the catalog's IDs (a row per snapshot) are read only when one is.
        guard !suspended.isEmpty else { return [] }
        let ours: Set<String> = try catalog.read { db in
            let native = Column("backend") == Backend.native.rawValue
            let pools = try PoolRecord.fetchAll(db)
            let volumes = try String.fetchAll(db, DiskRecord.filter(native).select(Column("id")))
                + String.fetchAll(db, SnapshotRecord.filter(native).select(Column("id")))
            // A pool made before identities keeps its old UUIDs until its devices are next created.
            return Set(pools.flatMap { [KernelNames.poolUUID($0), KernelNames.manifestUUID($0),
                                        KernelNames.Legacy.poolUUID($0.name), KernelNames.Legacy.manifestUUID($0.name)] }
                       + volumes.map(KernelNames.volumeUUID))
        }
        var resumed: [String] = []
        for device in suspended where ours.contains(device.uuid) {
            try deviceMapper.resume(device.name)
            resumed.append(device.name)
        }
        return resumed
    }

    /// The catalog side of a finished operation, for operations that only remove records.
    func finish(_ intent: IntentRecord) throws {
        let payload = try JSONDecoder().decode(IntentPayload.self, from: intent.payload)
        let operation = IntentOperation(rawValue: intent.operation)
        try catalog.write { db in
            switch operation {
            case .deleteDisk, .lvmDeleteDisk: _ = try DiskRecord.deleteOne(db, key: payload.id)
            case .deleteSnapshot, .lvmDeleteSnapshot: _ = try SnapshotRecord.deleteOne(db, key: payload.id)
            case .releaseSnapshot, .lvmReleaseSnapshot:
                if var snapshot = try SnapshotRecord.fetchOne(db, key: payload.id), snapshot.releasedAt == nil {
                    snapshot.releasedAt = intent.createdAt
                    try snapshot.update(db)
                }
            default: break
            }
            try markCommitted(db, intent: intent)
        }
    }

    /// Records that the pool moved past the intent's transaction, drops the
    /// intent, and writes the pool's manifest, in the caller's transaction.
    func markCommitted(_ db: Database, intent: IntentRecord) throws {
        if var pool = try PoolRecord.fetchOne(db, key: intent.poolName) {
            pool.transactionId = intent.transactionId + 1
            try pool.update(db)
        }
        try intent.delete(db)
        try writeManifest(db, poolName: intent.poolName)
    }
}
