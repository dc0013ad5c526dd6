import Foundation
import GRDB
import Repository

extension SnapshotService {
    /// A new disk with the data of snapshot `snapshotId` as a repository holds
    /// it: the way back when the snapshot's pool, or its host, is gone. Only
    /// the manifest's non-zero chunks are written, each checked against its
    /// hash; a damaged chunk fails the restore naming the snapshot, the
    /// offset and the chunk, and the half-made disk is deleted. A restore
    /// killed midway is deleted by the next dmsnap command (see
    /// `deleteInterruptedRestores`).
    public func restoreDisk(snapshotId: String, from repositoryName: String?, name: String?, description: String? = nil,
                            poolName: String?, progress: (CopyProgress) -> Void = { _ in }) throws -> DiskRecord {
        try Validation.requireID(snapshotId, kind: .snapshot)
        let (record, repository, manifest) = try findCopy(of: snapshotId, in: repositoryName)
        return try makingDisk({ id in
            try createDisk(sizeBytes: manifest.volumeSize, name: name,
                           description: description ?? "restored from snapshot \(snapshotId) in repository \(record.name)",
                           poolName: poolName, id: id)
        }, filling: { disk in
            do {
                _ = try SnapshotRestorer(repository: repository).restore(
                    snapshotId: manifest.snapshotId, to: Self.writableDevice(of: disk)) { progress(CopyProgress($0)) }
            } catch {
                throw SnapshotsError(.copyFailed, "restoring snapshot \(snapshotId) from repository \(record.name) failed: \(Self.describe(error))")
            }
        }).disk
    }

    /// Makes a disk (`make`, given its ID) and fills it (`fill`) under a
    /// lease taken on the ID before the disk exists: a failure deletes the
    /// disk, and a kill at any moment leaves a disk whose lease no live
    /// process holds, which the next command's recovery deletes.
    func makingDisk<T>(_ make: (String) throws -> DiskRecord, filling fill: (DiskRecord) throws -> T) throws -> (disk: DiskRecord, result: T) {
        let id = newResourceID(.disk)
        let leasePath = try restoreLeasePath(id)
        guard let lease = try WorkLease(path: leasePath) else {
            throw SnapshotsError(.internalError, "the lease \(leasePath) of a new disk is held by another process")
        }
        defer { try? FileManager.default.removeItem(atPath: leasePath) }
        return try withExtendedLifetime(lease) {
            let disk: DiskRecord
            do {
                disk = try make(id)
            } catch {
                // A creation that failed after its commit point leaves the disk; it goes too.
                if try catalog.read({ db in try DiskRecord.exists(db, key: id) }) { try? deleteDisk(id) }
                throw error
            }
            CrashPoint.reach("makingDisk.afterCreate")
            do {
                return (disk, try fill(disk))
            } catch {
                try? deleteDisk(id)
                throw error
            }
        }
    }

    /// The repository (the named one, else the first that has it) holding a copy of `snapshotId`.
    func findCopy(of snapshotId: String, in repositoryName: String?) throws -> (RepositoryRecord, DirectoryRepository, Manifest) {
        let candidates = try repositoryName.map { [try repository(named: $0)] }
            ?? catalog.read { db in try RepositoryRecord.order(Column("name")).fetchAll(db) }
        var problems: [String] = []
        for candidate in candidates {
            do {
                let opened = try openRepository(candidate)
                if let manifest = try Self.storedManifest(snapshotId, in: opened) { return (candidate, opened, manifest) }
            } catch {
                problems.append(Self.describe(error))
            }
        }
        let searched = candidates.isEmpty ? "no repository is added (dmsnap repository add)" : "repositories searched: \(candidates.map(\.name).joined(separator: ", "))"
        throw SnapshotsError(.invalidSnapshotIdNotFound, "no repository holds a copy of snapshot \(snapshotId); \(searched)"
                             + (problems.isEmpty ? "" : "; " + problems.joined(separator: "; ")))
    }

    /// Where a restore or a receive writes a new disk: its dm device, or its LV's.
    static func writableDevice(of disk: DiskRecord) -> String {
        disk.lvm.map { "/dev/\($0.qualifiedName)" } ?? "/dev/mapper/\(KernelNames.volume(disk.id))"
    }

    /// The lease of a disk being made (a restore, a receive): recovery deletes the disk if no process holds it.
    func restoreLeasePath(_ diskId: String) throws -> String {
        let directory = stateDirectory + "/restores"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        return directory + "/" + diskId
    }

    /// Deletes the disks whose restore or receive a crash interrupted (a lease
    /// file no live process holds), with any snapshot of them: a disk still
    /// being made has none but a receive's own, taken as its last step.
    func deleteInterruptedRestores() throws -> [String] {
        let directory = stateDirectory + "/restores"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var deleted: [String] = []
        for diskId in entries where (try? ResourceID(parsing: diskId, as: .disk)) != nil {
            let path = directory + "/" + diskId
            guard try !WorkLease.isHeld(path) else { continue }
            if try catalog.read({ db in try DiskRecord.fetchOne(db, key: diskId) }) != nil {
                let snapshots = try catalog.read { db in try SnapshotRecord.filter(Column("diskId") == diskId).fetchAll(db) }
                for snapshot in snapshots { try deleteSnapshotLocked(snapshot) }
                try deleteDiskLocked(diskId)
                deleted.append(diskId)
            }
            try? FileManager.default.removeItem(atPath: path)
        }
        return deleted
    }
}

extension SnapshotService {
    /// ECS CreateDisk --SnapshotId: a clone when the snapshot is in a pool
    /// here, else a restore from the first repository that holds a copy of it
    /// (this host's snapshot whose pool or LV is gone or whose local device
    /// was released, or another host's).
    public func createDisk(fromSnapshot snapshotId: String, name: String?, description: String = "",
                           sizeBytes: UInt64? = nil, poolName: String? = nil) throws -> DiskRecord {
        try Validation.requireID(snapshotId, kind: .snapshot)
        // A snapshot whose LV was removed outside dmsnap (missing) is restored as one this host never had.
        if var local = try catalog.read({ db in try SnapshotRecord.fetchOne(db, key: snapshotId) }) {
            if local.backend == .lvm {
                _ = try discoverLVMIfEnabled()
                local = try snapshot(snapshotId)
            }
            if local.missingSince == nil, !local.isReleased {
                return try cloneDisk(fromSnapshot: snapshotId, name: name, description: description, sizeBytes: sizeBytes, poolName: poolName)
            }
        }
        let (_, _, manifest) = try findCopy(of: snapshotId, in: nil)
        if let sizeBytes, sizeBytes != manifest.volumeSize {
            throw SnapshotsError(.invalidParameter, """
                a disk made from snapshot \(snapshotId) has the snapshot's size, \(Self.shownSize(manifest.volumeSize)), \
                not \(Self.shownSize(sizeBytes)); leave out the size
                """)
        }
        return try restoreDisk(snapshotId: snapshotId, from: nil, name: name, description: description, poolName: poolName)
    }
}
