import Foundation
import GRDB

/// dmsnap's catalog: pools, disks, snapshots and intents, in SQLite.
///
/// The kernel is the truth about what exists; the catalog adds IDs, names and
/// times. WAL with synchronous=FULL, so a crash never tears a committed write.
public final class Catalog: Sendable {
    let database: DatabasePool

    public let path: String

    /// Opens (creating when needed) `catalog.sqlite` in `stateDirectory`.
    public init(stateDirectory: String) throws {
        try StateDirectory.prepare(stateDirectory)
        path = stateDirectory + "/catalog.sqlite"
        var configuration = Configuration()
        // Concurrent invocations queue for the write lock instead of failing.
        configuration.busyMode = .timeout(60)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let existed = FileManager.default.fileExists(atPath: path)
        database = try DatabasePool(path: path, configuration: configuration)
        if !existed { chmod(path, 0o600) }
        try Self.migrator.migrate(database)
    }

    public func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        try database.read(body)
    }

    /// One transaction: all of `body` is committed, or none of it.
    public func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        try database.write(body)
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
        return migrator
    }
}
