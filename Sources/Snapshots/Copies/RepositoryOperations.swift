import Foundation
import GRDB
import Repository

/// A repository as `repository list` shows it: the record, and what opening
/// the directory found (nil `problem`: it opened).
public struct RepositoryReport: Sendable {
    public var record: RepositoryRecord
    public var snapshotCount: Int?
    public var problem: String?
    /// The pools whose snapshots are copied here before the default repository.
    public var pools: [String] = []
}

extension SnapshotService {
    /// Adds the directory at `path` as repository `name`: a new repository
    /// when the directory is empty or absent, or an existing one (written by
    /// this host before, or by another) attached under its own ID.
    public func addRepository(name given: String, path: String, isDefault: Bool) throws -> RepositoryRecord {
        let name = try Validation.name(given, what: "repository name")
        guard path.hasPrefix("/") else {
            throw SnapshotsError(.invalidParameter, "the repository path \(Validation.shown(path)) must be absolute")
        }
        let directory = URL(fileURLWithPath: path).standardizedFileURL.path
        return try mutating {
            let opened = try Self.openOrCreateRepository(at: directory)
            return try catalog.write { db in
                if try RepositoryRecord.fetchOne(db, key: name) != nil {
                    throw SnapshotsError(.alreadyExists, "a repository is already named \(Validation.shown(name))")
                }
                if let other = try RepositoryRecord.filter(Column("repositoryId") == opened.id).fetchOne(db) {
                    throw SnapshotsError(.alreadyExists, "\(directory) is repository \(opened.id), already added as \(Validation.shown(other.name))")
                }
                if isDefault { try db.execute(sql: "UPDATE repository SET isDefault = 0") }
                let record = RepositoryRecord(name: name, path: directory, repositoryId: opened.id, isDefault: isDefault, createdAt: Date())
                try record.insert(db)
                return record
            }
        }
    }

    /// Forgets repository `name` on this host; its directory and everything in it stay.
    public func removeRepository(name: String) throws {
        try mutating {
            let record = try repository(named: name)
            try catalog.write { db in
                _ = try RepositoryRecord.deleteOne(db, key: record.name)
                try db.execute(sql: "DELETE FROM snapshotCopy WHERE repositoryId = ?", arguments: [record.repositoryId])
            }
        }
    }

    public func listRepositories() throws -> [RepositoryReport] {
        let targets = try poolCopyTargets()
        return try catalog.read { db in try RepositoryRecord.order(Column("name")).fetchAll(db) }.map { record in
            var report: RepositoryReport
            do {
                let opened = try openRepository(record)
                report = RepositoryReport(record: record, snapshotCount: try opened.manifests().count, problem: nil)
            } catch {
                report = RepositoryReport(record: record, snapshotCount: nil, problem: Self.describe(error))
            }
            report.pools = targets.filter { $0.value == record.name }.map(\.key).sorted()
            return report
        }
    }

    public func checkRepository(name: String, readData: Bool) throws -> RepositoryCheckReport {
        try openRepository(try repository(named: name)).check(readData: readData)
    }

    /// Removes the chunks no manifest uses any more.
    public func pruneRepository(name: String) throws -> PruneReport {
        try openRepository(try repository(named: name)).prune()
    }

    /// The snapshots a repository holds, whichever host copied them.
    public func repositorySnapshots(name: String) throws -> [Manifest] {
        try openRepository(try repository(named: name)).manifests()
    }

    func repository(named name: String) throws -> RepositoryRecord {
        guard let record = try catalog.read({ db in try RepositoryRecord.fetchOne(db, key: name) }) else {
            throw SnapshotsError(.invalidRepositoryNotFound, "no repository is named \(Validation.shown(name)) (see dmsnap repository list)")
        }
        return record
    }

    /// The repository `snapshot` is copied to: the one named, else its pool's
    /// own target, else the default one.
    func copyTarget(named name: String?, for snapshot: SnapshotRecord) throws -> RepositoryRecord {
        if let name { return try repository(named: name) }
        guard let found = try copyTarget(forPool: snapshot.poolName) else {
            throw SnapshotsError(.missingParameter, """
                no repository was named, pool \(snapshot.poolName) has no copy target and no repository is the default: \
                dmsnap pool set \(snapshot.poolName) --copy-to REPO, or dmsnap repository add NAME PATH --default
                """)
        }
        return found
    }

    /// Opens a recorded repository and checks that the directory still holds the same one.
    func openRepository(_ record: RepositoryRecord) throws -> DirectoryRepository {
        let opened: DirectoryRepository
        do {
            opened = try DirectoryRepository.open(at: record.path)
        } catch {
            throw SnapshotsError(.repositoryUnavailable, "repository \(record.name) at \(record.path): \(Self.describe(error))")
        }
        guard opened.id == record.repositoryId else {
            throw SnapshotsError(.repositoryUnavailable, """
                \(record.path) now holds repository \(opened.id), not \(record.repositoryId) that was added as \(record.name): \
                mount the right one there, or remove and add it again
                """)
        }
        return opened
    }

    private static func openOrCreateRepository(at path: String) throws -> DirectoryRepository {
        do {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            return try entries.isEmpty ? DirectoryRepository.create(at: path) : DirectoryRepository.open(at: path)
        } catch {
            throw SnapshotsError(.repositoryUnavailable, "repository at \(path): \(describe(error))")
        }
    }

    /// The manifest of `snapshotId`'s copy in `repository`, nil when it has none.
    static func storedManifest(_ snapshotId: String, in repository: DirectoryRepository) throws -> Manifest? {
        do {
            return try repository.manifest(snapshotId: snapshotId)
        } catch let error as RepositoryError where error.kind == .manifestNotFound(snapshotId: snapshotId) {
            return nil
        }
    }

    static func describe(_ error: any Error) -> String {
        (error as? SnapshotsError)?.message ?? String(describing: error)
    }
}
