import Foundation
import GRDB

/// dmsnap's catalog: pools, disks, snapshots, intents, repositories and
/// copies, in SQLite.
///
/// The kernel is the truth about what exists; the catalog adds IDs, names and
/// times. WAL with synchronous=FULL, so a crash never tears a committed write.
///
/// One connection (a queue, not a pool): GRDB's pool set-up writes a table to
/// every database it opens and turns the writer's synchronous down to NORMAL,
/// which would lose committed intents on a power cut and write into a damaged
/// catalog before its damage is read. WAL is set here instead.
public final class Catalog: Sendable {
    let database: DatabaseQueue

    public let path: String

    /// This run started a new, empty catalog where dmsnap had kept one before.
    public let startedAfresh: Bool

    /// Opens (creating when needed) `catalog.sqlite` in `stateDirectory`.
    ///
    /// A damaged catalog is refused with a clear error and left as it is. A
    /// missing (or empty) one is created on first use; in a directory dmsnap
    /// has used before it is refused too, since the records of what dmsnap made
    /// would silently vanish, unless `startingAfresh` (`dmsnap recover`).
    public init(stateDirectory: String, startingAfresh: Bool = false) throws {
        let madeDirectory = try StateDirectory.prepare(stateDirectory)
        path = stateDirectory + "/" + CatalogFile.name
        let state = try CatalogFile.inspect(path)
        let usedBefore = state != .present && !madeDirectory ? CatalogFile.otherEntries(in: stateDirectory) : []
        if !usedBefore.isEmpty && !startingAfresh {
            throw CatalogFile.missing(path, state: state, directoryHolds: usedBefore)
        }
        startedAfresh = !usedBefore.isEmpty
        try Self.makePrivate(path)
        var configuration = Configuration()
        // Concurrent invocations queue for the write lock instead of failing.
        configuration.busyMode = .timeout(60)
        configuration.prepareDatabase { db in
            // Already WAL, this writes nothing; a new catalog becomes WAL here.
            guard try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") == "wal" else {
                throw SnapshotsError(.catalogUnavailable, "cannot put the catalog in WAL mode")
            }
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // The catalog's pages are in the kernel's page cache already; SQLite's
            // own cache, and the sort buffer that follows its size, only copy
            // them into each short-lived process: 2 MiB each by default, most of
            // the difference in a write's peak memory at 10,000 snapshots.
            try db.execute(sql: "PRAGMA cache_size = -512")
        }
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(database)
        } catch {
            throw CatalogFile.damage(error, path: path) ?? error
        }
    }

    public func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        do {
            return try database.read(body)
        } catch {
            throw CatalogFile.damage(error, path: path) ?? error
        }
    }

    /// One transaction: all of `body` is committed, or none of it.
    public func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        do {
            return try database.write(body)
        } catch {
            throw CatalogFile.damage(error, path: path) ?? error
        }
    }

    /// Creates the database file 0600 before SQLite does (SQLite would create it
    /// with the umask's mode), or narrows an existing one to 0600.
    private static func makePrivate(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SnapshotsError(.catalogUnavailable, "cannot create the catalog \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        try StateDirectory.requireOwnFile(path, descriptor: descriptor)
        fchmod(descriptor, 0o600)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "pool") { table in
                table.primaryKey("name", .text)
                table.column("dataDevice", .text).notNull()
                table.column("metadataDevice", .text).notNull()
                table.column("dataFile", .text)
                table.column("metadataFile", .text)
                table.column("blockSizeSectors", .integer).notNull()
                table.column("lowWaterMarkBlocks", .integer).notNull()
                table.column("dataSectors", .integer).notNull()
                table.column("transactionId", .integer).notNull()
                table.column("nextThinId", .integer).notNull()
                table.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "disk") { table in
                table.primaryKey("id", .text)
                table.column("name", .text).notNull()
                table.column("description", .text).notNull()
                table.column("poolName", .text).notNull().references("pool", onDelete: .restrict)
                table.column("thinId", .integer).notNull()
                table.column("sizeBytes", .integer).notNull()
                table.column("createdAt", .datetime).notNull()
                table.column("sourceSnapshotId", .text)
                table.uniqueKey(["poolName", "thinId"])
            }
            try db.create(table: "snapshot") { table in
                table.primaryKey("id", .text)
                table.column("name", .text).notNull()
                table.column("description", .text).notNull()
                table.column("diskId", .text).notNull().indexed()
                table.column("poolName", .text).notNull().references("pool", onDelete: .restrict)
                table.column("thinId", .integer).notNull()
                table.column("sourceDiskSizeBytes", .integer).notNull()
                table.column("createdAt", .datetime).notNull().indexed()
                table.column("modifiedAt", .datetime).notNull()
                table.column("retentionDays", .integer)
                table.column("groupId", .text).indexed()
                table.column("holdWindowMicroseconds", .integer).notNull()
                table.uniqueKey(["poolName", "thinId"])
            }
            try db.create(table: "intent") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("operation", .text).notNull()
                table.column("poolName", .text).notNull()
                table.column("transactionId", .integer).notNull()
                table.column("payload", .blob).notNull()
                table.column("createdAt", .datetime).notNull()
            }
            // IDs are never reused, even after a delete.
            try db.create(table: "usedId") { table in
                table.primaryKey("id", .text)
            }
        }
        // LVM disks and snapshots share the tables: the pool reference becomes
        // plain text ("vg/pool" for LVM) and (pool, thin id) is unique for
        // native rows only. SQLite cannot drop a constraint, so the tables are rebuilt.
        migrator.registerMigration("v2-lvm") { db in
            let lvmColumns = """
                backend TEXT NOT NULL DEFAULT 'native', lvUuid TEXT, volumeGroup TEXT, logicalVolume TEXT,
                missingSince DATETIME
                """
            try db.execute(sql: """
                CREATE TABLE disk2 (
                    id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,
                    poolName TEXT NOT NULL, thinId INTEGER NOT NULL, sizeBytes INTEGER NOT NULL,
                    createdAt DATETIME NOT NULL, sourceSnapshotId TEXT, \(lvmColumns));
                INSERT INTO disk2 (id, name, description, poolName, thinId, sizeBytes, createdAt, sourceSnapshotId)
                    SELECT id, name, description, poolName, thinId, sizeBytes, createdAt, sourceSnapshotId FROM disk;
                DROP TABLE disk;
                ALTER TABLE disk2 RENAME TO disk;
                CREATE UNIQUE INDEX disk_native_thin ON disk(poolName, thinId) WHERE backend = 'native';
                CREATE UNIQUE INDEX disk_lv ON disk(lvUuid) WHERE lvUuid IS NOT NULL;

                CREATE TABLE snapshot2 (
                    id TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL,
                    diskId TEXT NOT NULL, poolName TEXT NOT NULL, thinId INTEGER NOT NULL,
                    sourceDiskSizeBytes INTEGER NOT NULL, createdAt DATETIME NOT NULL, modifiedAt DATETIME NOT NULL,
                    retentionDays INTEGER, groupId TEXT, holdWindowMicroseconds INTEGER NOT NULL,
                    madeOutside BOOLEAN NOT NULL DEFAULT 0, \(lvmColumns));
                INSERT INTO snapshot2 (id, name, description, diskId, poolName, thinId, sourceDiskSizeBytes, createdAt,
                                       modifiedAt, retentionDays, groupId, holdWindowMicroseconds)
                    SELECT id, name, description, diskId, poolName, thinId, sourceDiskSizeBytes, createdAt,
                           modifiedAt, retentionDays, groupId, holdWindowMicroseconds FROM snapshot;
                DROP TABLE snapshot;
                ALTER TABLE snapshot2 RENAME TO snapshot;
                CREATE INDEX snapshot_disk ON snapshot(diskId);
                CREATE INDEX snapshot_created ON snapshot(createdAt);
                CREATE INDEX snapshot_group ON snapshot(groupId);
                CREATE UNIQUE INDEX snapshot_native_thin ON snapshot(poolName, thinId) WHERE backend = 'native';
                CREATE UNIQUE INDEX snapshot_lv ON snapshot(lvUuid) WHERE lvUuid IS NOT NULL;
                """)
        }
        migrator.registerMigration("v3-groups") { db in
            try db.create(table: "snapshotGroup") { table in
                table.primaryKey("id", .text)
                table.column("name", .text).notNull()
                table.column("description", .text).notNull()
                table.column("createdAt", .datetime).notNull()
                table.column("status", .text).notNull()
                table.column("holdWindowMicroseconds", .integer).notNull()
                table.column("diskIds", .text).notNull()
            }
        }
        // Each pool gets its identity (`PoolRecord.poolId`); a pool made before
        // gets one here, and its live devices, still named by the pool's name
        // alone, are taken back under it (`NativePool.adoptLegacyDevices`).
        migrator.registerMigration("v4-pool-identity") { db in
            try db.alter(table: "pool") { table in table.add(column: "poolId", .text).notNull().defaults(to: "") }
            for name in try String.fetchAll(db, sql: "SELECT name FROM pool") {
                try db.execute(sql: "UPDATE pool SET poolId = ? WHERE name = ?", arguments: [PoolRecord.newPoolId(), name])
            }
        }
        // Issue 17: repositories, and each snapshot's copy into one.
        migrator.registerMigration("v5-copies") { db in
            try db.create(table: "repository") { table in
                table.primaryKey("name", .text)
                table.column("path", .text).notNull()
                table.column("repositoryId", .text).notNull().unique()
                table.column("isDefault", .boolean).notNull()
                table.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "snapshotCopy") { table in
                table.column("snapshotId", .text).notNull()
                table.column("repositoryId", .text).notNull()
                table.column("status", .text).notNull()
                table.column("baseSnapshotId", .text)
                table.column("bytesDone", .integer).notNull()
                table.column("bytesTotal", .integer).notNull()
                table.column("remainSeconds", .integer)
                table.column("reason", .text)
                table.column("startedAt", .datetime).notNull()
                table.column("finishedAt", .datetime)
                table.column("keepsDeviceUp", .boolean).notNull().defaults(to: false)
                table.primaryKey(["snapshotId", "repositoryId"])
            }
        }
        // Issue 17: a snapshot whose local thin device (or LV) was released,
        // its copy in a repository kept, and when its device is due to go.
        migrator.registerMigration("v6-released-snapshots") { db in
            try db.alter(table: "snapshot") { table in
                table.add(column: "releasedAt", .datetime)
                table.add(column: "instantAccessRetentionDays", .integer)
            }
        }
        // Issue 17: a pool's own copy target, chosen over the default repository.
        migrator.registerMigration("v7-pool-copy-targets") { db in
            try db.create(table: "poolCopyTarget") { table in
                table.primaryKey("poolName", .text)
                table.column("repositoryName", .text).notNull()
                    .references("repository", column: "name", onDelete: .cascade, onUpdate: .cascade)
            }
        }
        return migrator
    }
}
