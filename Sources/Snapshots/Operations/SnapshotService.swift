import DeviceMapper
import Foundation
import GRDB

/// The domain API over native pools: what every front end (the CLI now, an
/// ECS RPC endpoint later) calls. Each mutating call holds the state
/// directory's lock and first finishes or undoes whatever a crash interrupted.
public final class SnapshotService: Sendable {
    public let stateDirectory: String
    let catalog: Catalog
    let deviceMapper: DeviceMapper
    /// The volume groups whose LVs are disks (`DMSNAP_LVM_VOLUME_GROUPS`).
    let lvmScope: LVMScope
    /// The dmsnap binary that runs the guardian of a snapshot group.
    let guardianExecutable: String

    /// `lvmScope`: the volume groups whose LVs are disks; by default
    /// `DMSNAP_LVM_VOLUME_GROUPS`, else all. `startingAfresh`: see `Catalog`.
    /// `guardianExecutable`: the dmsnap binary that runs a snapshot group's
    /// guardian; this process's own, unless it is not dmsnap (a test).
    public init(stateDirectory: String, deviceMapper: DeviceMapper = DeviceMapper(), lvmScope: LVMScope? = nil,
                startingAfresh: Bool = false, guardianExecutable: String = "/proc/self/exe") throws {
        guard geteuid() == 0 else {
            throw SnapshotsError(.forbidden, "dmsnap must run as root (it changes device-mapper devices); try sudo")
        }
        self.stateDirectory = stateDirectory
        self.deviceMapper = deviceMapper
        self.guardianExecutable = guardianExecutable
        self.lvmScope = try lvmScope ?? LVMScope.fromEnvironment()
        catalog = try Catalog(stateDirectory: stateDirectory, startingAfresh: startingAfresh)
    }

    /// This run started a new, empty catalog where dmsnap had kept one before.
    public var startedAfreshCatalog: Bool { catalog.startedAfresh }

    /// Runs a mutating operation under the lock, after recovery.
    func mutating<T>(_ body: () throws -> T) throws -> T {
        let lock = try OperationLock(stateDirectory: stateDirectory)
        defer { withExtendedLifetime(lock) {} }
        try recoverLocked()
        return try body()
    }

    // MARK: Lookups shared by the operations

    func pool(named name: String) throws -> PoolRecord {
        guard let pool = try catalog.read({ db in try PoolRecord.fetchOne(db, key: name) }) else {
            throw SnapshotsError(.invalidPoolNotFound, "no pool is named \(Validation.shown(name))")
        }
        return pool
    }

    func disk(_ id: String) throws -> DiskRecord {
        try Validation.requireID(id, kind: .disk)
        guard let disk = try catalog.read({ db in try DiskRecord.fetchOne(db, key: id) }) else {
            throw SnapshotsError(.invalidDiskIdNotFound, "no disk has the ID \(id)")
        }
        return disk
    }

    func snapshot(_ id: String) throws -> SnapshotRecord {
        try Validation.requireID(id, kind: .snapshot)
        guard let snapshot = try catalog.read({ db in try SnapshotRecord.fetchOne(db, key: id) }) else {
            throw SnapshotsError(.invalidSnapshotIdNotFound, "no snapshot has the ID \(id)")
        }
        return snapshot
    }

    func nativePool(_ record: PoolRecord) -> NativePool {
        NativePool(record: record, deviceMapper: deviceMapper)
    }

    /// Reserves the next thin id and a fresh resource ID, and records the intent,
    /// in one transaction, before the kernel is touched.
    func beginIntent(_ operation: IntentOperation, pool: PoolRecord, payload: IntentPayload) throws -> (IntentRecord, PoolRecord) {
        try catalog.write { db in
            guard var current = try PoolRecord.fetchOne(db, key: pool.name) else {
                throw SnapshotsError(.invalidPoolNotFound, "pool \(pool.name) vanished from the catalog")
            }
            var payload = payload
            if payload.newThinId == nil, operation.allocatesThinDevice {
                // Ids go up from 0; the highest is the manifest's (`ManifestDevice.thinId`).
                guard current.nextThinId < ManifestDevice.thinId else {
                    throw SnapshotsError(.insufficientSpace, "pool \(pool.name) has handed out every thin device id; make a new pool")
                }
                payload.newThinId = current.nextThinId
                current.nextThinId += 1
                try current.update(db)
            }
            var intent = IntentRecord(id: nil, operation: operation.rawValue, poolName: pool.name,
                                      transactionId: current.transactionId,
                                      payload: try JSONEncoder().encode(payload), createdAt: Date())
            try intent.insert(db)
            return (intent, current)
        }
    }

    /// The readable link /dev/dmsnap/NAME for a disk, best effort: the
    /// /dev/mapper path by ID is the stable one. A link to a live device of
    /// another disk of that name (another state directory's) is left to it;
    /// a stale one is replaced.
    func updateLink(for disk: DiskRecord) {
        let link = "\(KernelNames.linkDirectory)/\(disk.name)", target = "../mapper/\(KernelNames.volume(disk.id))"
        mkdir(KernelNames.linkDirectory, 0o755)
        if let current = Self.linkTarget(link), current != target,
           FileManager.default.fileExists(atPath: "\(KernelNames.linkDirectory)/\(current)") { return }
        unlink(link)
        symlink(target, link)
    }

    func removeLink(for disk: DiskRecord) {
        let link = "\(KernelNames.linkDirectory)/\(disk.name)"
        if Self.linkTarget(link)?.hasSuffix(KernelNames.volume(disk.id)) == true { unlink(link) }
    }

    private static func linkTarget(_ link: String) -> String? {
        var target = [CChar](repeating: 0, count: 4096)
        let length = readlink(link, &target, target.count - 1)
        return length > 0 ? String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
    }
}
