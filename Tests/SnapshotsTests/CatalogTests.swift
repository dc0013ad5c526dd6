import Foundation
import GRDB
@testable import Snapshots
import Testing

struct CatalogTests {
    let directory = NSTemporaryDirectory() + "dmsnap-catalog-\(UUID().uuidString)"

    func pool(_ name: String) -> PoolRecord {
        PoolRecord(name: name, dataDevice: "/dev/loop0", metadataDevice: "/dev/loop1", dataFile: nil, metadataFile: nil,
                   blockSizeSectors: 128, lowWaterMarkBlocks: 16, dataSectors: 1 << 20, transactionId: 0, nextThinId: 0,
                   createdAt: Date())
    }

    @Test func aFailedTransactionLeavesNothingBehind() throws {
        let catalog = try Catalog(stateDirectory: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try catalog.write { [pool = pool("p")] db in
                try pool.insert(db)
                throw Abort()
            }
        }
        #expect(try catalog.read { db in try PoolRecord.fetchCount(db) } == 0)
    }

    @Test func theCatalogIsPrivateAndWriteAheadLogged() throws {
        let catalog = try Catalog(stateDirectory: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let attributes = try FileManager.default.attributesOfItem(atPath: catalog.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let directoryAttributes = try FileManager.default.attributesOfItem(atPath: directory)
        #expect((directoryAttributes[.posixPermissions] as? Int) == 0o700)
        #expect(try catalog.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        #expect(try catalog.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2, "FULL: fsync on every commit")
        #expect(try catalog.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2, "FULL where it matters: on the writer")
    }

    /// Issue 16, item 9: a state directory others can write is refused, saying
    /// why, and its mode is left as it was (dmsnap used to chmod it 0700
    /// silently); one others can only read is used as it is. The catalog file,
    /// dmsnap's own, is made private again.
    @Test(arguments: [0o777, 0o775, 0o1777])
    func aStateDirectoryOthersCanWriteIsRefusedAndLeftAsItWas(mode: Int) throws {
        let catalog = try Catalog(stateDirectory: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        chmod(directory, mode_t(mode))
        let error = try #require(throws: StateDirectoryError.self) { try Catalog(stateDirectory: directory) }
        #expect(error.description.contains(directory) && error.description.contains("writable by")
                && error.description.contains("chmod go-w"), "\(error)")
        #expect((try FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? Int) == mode)
        chmod(directory, 0o755)
        chmod(catalog.path, 0o644)
        _ = try Catalog(stateDirectory: directory)
        #expect((try FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? Int) == 0o755)
        #expect((try FileManager.default.attributesOfItem(atPath: catalog.path)[.posixPermissions] as? Int) == 0o600)
    }

    /// Issue 16, item 1: a catalog of the dmsnap before pool identities gives
    /// each of its pools one of its own when it is opened, and a manifest of
    /// that dmsnap (no poolId member) still reads.
    @Test func poolsMadeBeforeIdentitiesGetOneEachAndOldManifestsStillRead() throws {
        try StateDirectory.prepare(directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let queue = try DatabaseQueue(path: directory + "/catalog.sqlite")
        try Catalog.migrator.migrate(queue, upTo: "v3-groups")
        try queue.write { db in
            for name in ["a", "b"] {
                try db.execute(sql: """
                    INSERT INTO pool (name, dataDevice, metadataDevice, blockSizeSectors, lowWaterMarkBlocks, dataSectors,
                                      transactionId, nextThinId, createdAt) VALUES (?, '/dev/loop0', '/dev/loop1', 128, 16, 2048, 3, 4, '2026-01-01 00:00:00.000')
                    """, arguments: [name])
            }
        }
        try queue.close()
        let catalog = try Catalog(stateDirectory: directory)
        let pools = try catalog.read { db in try PoolRecord.order(Column("name")).fetchAll(db) }
        #expect(pools.count == 2 && pools.allSatisfy { PoolRecord.isPoolId($0.poolId) }, "\(pools.map(\.poolId))")
        #expect(pools[0].poolId != pools[1].poolId)

        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(PoolManifest(pool: pools[0], disks: [], snapshots: [], groups: []))) as! [String: Any]
        var oldPool = old["pool"] as! [String: Any]
        oldPool["poolId"] = nil
        old["pool"] = oldPool
        let decoded = try JSONDecoder().decode(PoolManifest.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(decoded.pool.poolId == "" && decoded.pool.name == "a")
        #expect(KernelNames.pool(decoded.pool) == "dmsnap-pool-a", "a pool without an identity has its old names")
        #expect(KernelNames.pool(pools[0]) == "dmsnap-pool-a-\(pools[0].poolId)")
        #expect(KernelNames.parsePoolUUID(KernelNames.poolUUID(pools[1]))! == (pools[1].poolId, "b"))
    }

    @Test func theLockIsPrivate() throws {
        try StateDirectory.prepare(directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let lock = try OperationLock(stateDirectory: directory)
        #expect((try FileManager.default.attributesOfItem(atPath: lock.path)[.posixPermissions] as? Int) == 0o600)
    }

    @Test func concurrentWritersFromTwoOpenCatalogsSerialize() async throws {
        let first = try Catalog(stateDirectory: directory)
        let second = try Catalog(stateDirectory: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try first.write { [pool = pool("shared")] db in try pool.insert(db) }
        await withTaskGroup(of: Void.self) { group in
            for catalog in [first, second] {
                group.addTask {
                    for _ in 0..<100 {
                        try? catalog.write { db in
                            var record = try PoolRecord.fetchOne(db, key: "shared")!
                            record.nextThinId += 1
                            try record.update(db)
                        }
                    }
                }
            }
        }
        #expect(try first.read { db in try PoolRecord.fetchOne(db, key: "shared")?.nextThinId } == 200, "no lost update")
    }

    @Test func aSymlinkedStateDirectoryIsRefused() throws {
        let target = directory + "-target"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory, withDestinationPath: target)
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: target)
        }
        #expect(throws: StateDirectoryError.self) { try Catalog(stateDirectory: directory) }
    }
}

/// dmsnap writes catalog dates itself (no DateFormatter, no ICU); they must be
/// the text GRDB writes and reads back.
struct CatalogDateTests {
    @Test(arguments: [0.0, 1.0, 0.0005, 0.9996, 1_795_822_283.909_16, 1_795_822_283.000_9, 1_795_822_283.999_99,
                      951_782_400.5, 4_102_444_799.123_4, -1.25, -86_400.001])
    func theTextIsGRDBsAndReadsBackToTheMillisecond(seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let ours = CatalogDate.text(date)
        #expect(ours == String.fromDatabaseValue(date.databaseValue), "\(seconds)")
        let back = try #require(Date.fromDatabaseValue(ours.databaseValue))
        #expect(abs(back.timeIntervalSince1970 - seconds) <= 0.000_5 + 1e-9, "\(ours)")
        let read = try #require(CatalogDate.date(ours.databaseValue))
        #expect(abs(read.timeIntervalSince1970 - back.timeIntervalSince1970) < 1e-6, "\(ours): \(read) against GRDB's \(back)")
    }

    /// What is not exactly the text dmsnap writes is read as GRDB reads it.
    @Test(arguments: ["2026-11-29 06:05:01", "2026-11-29T06:05:01.250", "2026-02-31 00:00:00.000", "2026-11-29 06:05:60.000",
                      "2026-1x-29 06:05:01.250", "1795822283.5", "", "2026-11-29 06:05:01.25Z"])
    func otherTextIsLeftToGRDB(text: String) {
        #expect(CatalogDate.date(text.databaseValue) == Date.fromDatabaseValue(text.databaseValue), "\(text)")
        #expect(CatalogDate.date(1_795_822_283.5.databaseValue) == Date(timeIntervalSince1970: 1_795_822_283.5))
    }
}
