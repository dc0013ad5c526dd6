import Foundation
import GRDB
@testable import Snapshots
import Testing

/// Issue 17: which repository a snapshot is copied into when none is named.
struct CopyTargetTests {
    static func repository(_ name: String, isDefault: Bool = false) -> RepositoryRecord {
        RepositoryRecord(name: name, path: "/srv/\(name)", repositoryId: "r-\(name)", isDefault: isDefault, createdAt: Date())
    }

    static let repositories = [repository("offsite", isDefault: true), repository("nearby"), repository("other")]

    @Test func aPoolsOwnTargetIsChosenOverTheDefault() {
        let targets = [PoolCopyTargetRecord(poolName: "vg0/pool0", repositoryName: "nearby"),
                       PoolCopyTargetRecord(poolName: "fast", repositoryName: "other")]
        #expect(SnapshotService.chooseCopyTarget(poolName: "vg0/pool0", poolTargets: targets, repositories: Self.repositories)?.name == "nearby")
        #expect(SnapshotService.chooseCopyTarget(poolName: "fast", poolTargets: targets, repositories: Self.repositories)?.name == "other")
        #expect(SnapshotService.chooseCopyTarget(poolName: "data", poolTargets: targets, repositories: Self.repositories)?.name == "offsite",
                "a pool without a target of its own follows the default")
    }

    @Test func withoutADefaultOnlyPoolsWithATargetAreCopied() {
        let repositories = [Self.repository("nearby")]
        let targets = [PoolCopyTargetRecord(poolName: "vg0/pool0", repositoryName: "nearby")]
        #expect(SnapshotService.chooseCopyTarget(poolName: "vg0/pool0", poolTargets: targets, repositories: repositories)?.name == "nearby")
        #expect(SnapshotService.chooseCopyTarget(poolName: "data", poolTargets: targets, repositories: repositories) == nil)
    }

    /// The migration's foreign key: forgetting a repository drops the pools' targets that named it.
    @Test func removingARepositoryDropsThePoolTargetsThatNamedIt() throws {
        let directory = NSTemporaryDirectory() + "dmsnap-targets-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let catalog = try Catalog(stateDirectory: directory)
        try catalog.write { db in
            for repository in Self.repositories { try repository.insert(db) }
            try PoolCopyTargetRecord(poolName: "vg0/pool0", repositoryName: "nearby").insert(db)
            try PoolCopyTargetRecord(poolName: "fast", repositoryName: "other").insert(db)
            _ = try RepositoryRecord.deleteOne(db, key: "nearby")
        }
        #expect(try catalog.read { db in try PoolCopyTargetRecord.fetchAll(db) } == [PoolCopyTargetRecord(poolName: "fast", repositoryName: "other")])
    }
}
