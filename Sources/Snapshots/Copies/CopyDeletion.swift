import Foundation
import GRDB
import Repository

extension SnapshotService {
    /// DeleteSnapshot deletes a snapshot's copies too (ECS deletes a snapshot
    /// whole): first checked, so that a copy in progress or a repository that
    /// cannot be reached refuses the delete before anything is deleted.
    func requireCopiesDeletable(of snapshotId: String) throws -> [(RepositoryRecord, DirectoryRepository)] {
        if try WorkLease.isHeld(try CopyWorker.leasePath(stateDirectory, snapshotId: snapshotId)) {
            throw SnapshotsError(.incorrectSnapshotStatus, "snapshot \(snapshotId) is being copied into a repository; wait for the copy to end")
        }
        let targets = try catalog.read { db in
            try RepositoryRecord.fetchAll(db, sql: """
                SELECT repository.* FROM repository JOIN snapshotCopy ON snapshotCopy.repositoryId = repository.repositoryId
                WHERE snapshotCopy.snapshotId = ?
                """, arguments: [snapshotId])
        }
        return try targets.map { target in
            do {
                return (target, try openRepository(target))
            } catch {
                throw SnapshotsError(.repositoryUnavailable, """
                    snapshot \(snapshotId) has a copy in repository \(target.name), which cannot be reached (\(Self.describe(error))); \
                    mount it, or forget it on this host with dmsnap repository remove \(target.name)
                    """)
            }
        } + (try releasedCopiesWithoutRecords(of: snapshotId, besides: targets))
    }

    /// A released snapshot's copies are its only data: the ones a repository
    /// holds without a copy record here (removed and added again) go with it
    /// too. Only the repositories that can be read are searched.
    private func releasedCopiesWithoutRecords(of snapshotId: String,
                                              besides recorded: [RepositoryRecord]) throws -> [(RepositoryRecord, DirectoryRepository)] {
        guard try catalog.read({ db in try SnapshotRecord.fetchOne(db, key: snapshotId) })?.isReleased == true else { return [] }
        let others = try catalog.read { db in try RepositoryRecord.fetchAll(db) }.filter { other in
            !recorded.contains { $0.repositoryId == other.repositoryId }
        }
        return others.compactMap { other in
            guard let opened = try? openRepository(other), (try? Self.storedManifest(snapshotId, in: opened)) != nil else { return nil }
            return (other, opened)
        }
    }

    /// Deletes the manifests of a deleted snapshot's copies; `repository prune` then collects their chunks.
    func deleteCopies(of snapshotId: String, in repositories: [(RepositoryRecord, DirectoryRepository)]) throws {
        for (target, repository) in repositories {
            do {
                try repository.deleteManifest(snapshotId: snapshotId)
            } catch {
                throw SnapshotsError(.repositoryUnavailable, "deleting the copy of snapshot \(snapshotId) in repository \(target.name): \(Self.describe(error))")
            }
        }
        try catalog.write { db in try db.execute(sql: "DELETE FROM snapshotCopy WHERE snapshotId = ?", arguments: [snapshotId]) }
    }
}
