import Foundation
import GRDB
@testable import Snapshots
import Testing

/// Records map to their columns by hand (not through Codable): every field
/// must come back as it went in, and rows in the format the Codable path
/// wrote must still read.
@Suite(.serialized)
struct RecordColumnsTests {
    let directory = NSTemporaryDirectory() + "dmsnap-columns-\(UUID().uuidString)"
    /// A date the catalog's text holds exactly (whole milliseconds).
    let created = Date(timeIntervalSince1970: Double(1_795_822_283) + 0.909)
    let modified = Date(timeIntervalSince1970: Double(1_795_822_290) + 0.001)

    func catalog() throws -> Catalog { try Catalog(stateDirectory: directory) }

    var pool: PoolRecord {
        PoolRecord(name: "tp", dataDevice: "/dev/loop0", metadataDevice: "/dev/loop1", dataFile: "/srv/data",
                   metadataFile: "/srv/meta", blockSizeSectors: 128, lowWaterMarkBlocks: 16, dataSectors: 1 << 40,
                   transactionId: 7, nextThinId: 0xFF_FFFF, createdAt: created)
    }

    @Test func everyRecordReadsBackAsItWasWritten() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let catalog = try catalog()
        let disk = DiskRecord(id: "d-aaaaaaaaaaaaaaaaaaaa", name: "data", description: "the data disk", poolName: "tp", thinId: 3,
                              sizeBytes: 1 << 30, createdAt: created, sourceSnapshotId: "s-bbbbbbbbbbbbbbbbbbbb")
        var lvm = DiskRecord(id: "d-cccccccccccccccccccc", name: "lv", description: "", poolName: "vg/pool", thinId: 0,
                                 sizeBytes: 4096, createdAt: modified, sourceSnapshotId: nil)
        lvm.backend = .lvm
        lvm.lvUuid = "abcdef-0123"
        lvm.volumeGroup = "vg"
        lvm.logicalVolume = "lv"
        lvm.missingSince = modified
        var full = SnapshotRecord(id: "s-dddddddddddddddddddd", name: "before", description: "d", diskId: disk.id, poolName: "tp",
                                      thinId: 4, sourceDiskSizeBytes: 1 << 30, createdAt: created, modifiedAt: modified,
                                      retentionDays: 30, groupId: "ssg-eeeeeeeeeeeeeeeeeeee", holdWindowMicroseconds: 5_123)
        full.madeOutside = true
        full.missingSince = created
        let bare = SnapshotRecord(id: "s-ffffffffffffffffffff", name: "n", description: "", diskId: disk.id, poolName: "tp",
                                  thinId: 5, sourceDiskSizeBytes: 1, createdAt: created, modifiedAt: created,
                                  retentionDays: nil, groupId: nil, holdWindowMicroseconds: 0)
        let group = SnapshotGroupRecord(id: "ssg-eeeeeeeeeeeeeeeeeeee", name: "g", description: "both", createdAt: created,
                                        status: .accomplished, holdWindowMicroseconds: 36_000,
                                        diskIds: [disk.id, lvm.id])
        let intent = IntentRecord(id: nil, operation: "createSnapshot", poolName: "tp", transactionId: 7,
                                  payload: Data("{\"id\":\"s-1\"}".utf8), createdAt: created)
        let (pool, lvmDisk, snapshot) = (pool, lvm, full)
        let inserted = try catalog.write { db in
            try pool.insert(db)
            try disk.insert(db)
            try lvmDisk.insert(db)
            try snapshot.insert(db)
            try bare.insert(db)
            try group.insert(db)
            return try intent.inserted(db)
        }
        #expect(inserted.id != nil)
        let read = try catalog.read { db in
            (try PoolRecord.fetchOne(db, key: "tp"), try DiskRecord.fetchAll(db, keys: [disk.id, lvmDisk.id]),
             try SnapshotRecord.fetchAll(db, keys: [snapshot.id, bare.id]), try SnapshotGroupRecord.fetchOne(db, key: group.id),
             try IntentRecord.fetchAll(db))
        }
        #expect(read.0 == pool)
        #expect(read.1 == [disk, lvmDisk])
        #expect(read.2 == [snapshot, bare])
        #expect(read.3 == group)
        #expect(read.4 == [inserted])
    }

    /// The text GRDB's Codable path wrote (a date without dmsnap's own
    /// formatting would still be GRDB's) reads back.
    @Test func rowsInTheCodableFormatStillRead() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let catalog = try catalog()
        try catalog.write { db in
            try pool.insert(db)
            try db.execute(sql: """
                INSERT INTO snapshotGroup (id, name, description, createdAt, status, holdWindowMicroseconds, diskIds)
                VALUES ('ssg-eeeeeeeeeeeeeeeeeeee', 'g', '', '2026-11-29 06:05:01', 'failed', 9, '["d-a","d-b"]');
                INSERT INTO disk (id, name, description, poolName, thinId, sizeBytes, createdAt)
                VALUES ('d-aaaaaaaaaaaaaaaaaaaa', 'data', '', 'tp', 1, 4096, '2026-11-29 06:05:01.250');
                """)
        }
        let group = try #require(try catalog.read { try SnapshotGroupRecord.fetchOne($0, key: "ssg-eeeeeeeeeeeeeeeeeeee") })
        #expect(group.diskIds == ["d-a", "d-b"] && group.status == .failed)
        #expect(group.createdAt == Date.fromDatabaseValue("2026-11-29 06:05:01".databaseValue))
        let disk = try #require(try catalog.read { try DiskRecord.fetchOne($0, key: "d-aaaaaaaaaaaaaaaaaaaa") })
        #expect(disk.backend == .native && disk.missingSince == nil && disk.sourceSnapshotId == nil)
        #expect(abs(disk.createdAt.timeIntervalSince1970 - 1_795_932_301.25) < 1e-6, "\(disk.createdAt)")
    }

    /// A value no dmsnap wrote is an error that names the table and column, not a crash.
    @Test(arguments: [("backend", "'zfs'", "disk.backend"), ("createdAt", "'yesterday'", "disk.createdAt")])
    func aDamagedValueIsAnErrorNamingItsColumn(column: String, value: String, named: String) throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let catalog = try catalog()
        try catalog.write { db in
            try pool.insert(db)
            try db.execute(sql: """
                INSERT INTO disk (id, name, description, poolName, thinId, sizeBytes, createdAt)
                VALUES ('d-aaaaaaaaaaaaaaaaaaaa', 'data', '', 'tp', 1, 4096, '2026-11-29 06:05:01.250');
                UPDATE disk SET \(column) = \(value);
                """)
        }
        let error = try #require(throws: SnapshotsError.self) {
            _ = try catalog.read { try DiskRecord.fetchOne($0, key: "d-aaaaaaaaaaaaaaaaaaaa") }
        }
        #expect(error.code == .catalogDamaged && error.message.contains(named), "\(error)")
    }
}
