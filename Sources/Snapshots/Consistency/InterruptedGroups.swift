import Foundation
import GRDB

extension SnapshotService {
    /// Settles every group still "progressing" once recovery has settled the
    /// intents: a crash interrupted it. It is accomplished when every disk got
    /// its snapshot (the commits come only after a clean release), otherwise
    /// failed, and a failed group keeps nothing.
    ///
    /// A group over several pools commits pool by pool, so a crash between two
    /// commits leaves some members committed (recovery finishes them) and the
    /// others not (recovery undoes them). Those others cannot be finished
    /// instead: their create_snap is in the kernel's uncommitted metadata,
    /// which a power loss before the pool's next metadata commit takes away.
    /// So the committed members are deleted, each through its own deletion
    /// intent, and only then is the group marked failed: a crash meanwhile
    /// leaves it progressing, with fewer members, and the next recovery carries on.
    func settleInterruptedGroups() throws {
        let interrupted = try catalog.read { db in
            try SnapshotGroupRecord.filter(Column("status") == SnapshotGroupRecord.Status.progressing.rawValue).fetchAll(db)
        }
        for var group in interrupted {
            let members = try catalog.read { [id = group.id] db in try SnapshotRecord.filter(Column("groupId") == id).fetchAll(db) }
            let complete = members.count == group.diskIds.count
            if !complete {
                for member in members {
                    if member.backend == .native { try nativePool(try pool(named: member.poolName)).activate() }
                    try deleteSnapshotLocked(member)
                }
            }
            group.status = complete ? .accomplished : .failed
            try catalog.write { [group] db in
                try group.update(db)
                try self.writeManifests(db, ofGroup: group.id)
            }
        }
    }
}
