import Foundation
import GRDB

extension SnapshotService {
    /// The repository a snapshot goes to when none is named: its pool's own
    /// target when the pool has one, else the default repository, else none.
    static func chooseCopyTarget(poolName: String, poolTargets: [PoolCopyTargetRecord],
                                 repositories: [RepositoryRecord]) -> RepositoryRecord? {
        if let own = poolTargets.first(where: { $0.poolName == poolName }) {
            return repositories.first { $0.name == own.repositoryName }
        }
        return repositories.first(where: \.isDefault)
    }

    /// The repository snapshots of pool `poolName` are copied to when none is named, if any.
    func copyTarget(forPool poolName: String) throws -> RepositoryRecord? {
        try catalog.read { db in
            Self.chooseCopyTarget(poolName: poolName, poolTargets: try PoolCopyTargetRecord.fetchAll(db),
                                  repositories: try RepositoryRecord.fetchAll(db))
        }
    }

    /// Sets (or, with nil, clears) the repository that pool `poolName`'s
    /// snapshots are copied into, before the default one. The pool is a
    /// native pool or an LVM thin pool (`vg/pool`) dmsnap manages.
    public func setPoolCopyTarget(poolName: String, repositoryName: String?) throws {
        try mutating {
            if Self.isLVMPoolName(poolName) {
                try requireLVMThinPool(poolName)
            } else {
                _ = try pool(named: poolName)
            }
            let repository = try repositoryName.map { try self.repository(named: $0) }
            try catalog.write { db in
                _ = try PoolCopyTargetRecord.deleteOne(db, key: poolName)
                if let repository { try PoolCopyTargetRecord(poolName: poolName, repositoryName: repository.name).insert(db) }
            }
        }
    }

    /// Every pool's own copy target, by pool name.
    public func poolCopyTargets() throws -> [String: String] {
        try catalog.read { db in
            Dictionary(try PoolCopyTargetRecord.fetchAll(db).map { ($0.poolName, $0.repositoryName) }, uniquingKeysWith: { first, _ in first })
        }
    }
}
