import Foundation
import GRDB
@testable import Snapshots
import Testing

/// A manifest written from the catalog lists what a rebuild must put back for
/// its pool, and nothing else: its native disks and snapshots in the order
/// they were made, and the groups those snapshots belong to.
struct CatalogManifestRecordsTests {
    let directory = NSTemporaryDirectory() + "dmsnap-manifest-records-\(UUID().uuidString)"

    static func pool(_ name: String) -> PoolRecord {
        PoolRecord(name: name, dataDevice: "/dev/loop0", metadataDevice: "/dev/loop1", dataFile: nil, metadataFile: nil,
                   blockSizeSectors: 128, lowWaterMarkBlocks: 16, dataSectors: 1 << 20, transactionId: 7, nextThinId: 9,
                   createdAt: Date(timeIntervalSince1970: 1_700_000_000))
    }

    static func at(_ second: Int) -> Date { Date(timeIntervalSince1970: 1_700_000_000 + Double(second)) }

    static func disk(_ id: String, pool: String, thinId: UInt32, at second: Int, backend: Backend = .native) -> DiskRecord {
        var disk = DiskRecord(id: id, name: "name of \(id)", description: "", poolName: pool, thinId: thinId,
                              sizeBytes: 1 << 30, createdAt: at(second), sourceSnapshotId: nil)
        disk.backend = backend
        return disk
    }

    static func snapshot(_ id: String, of disk: String, pool: String, thinId: UInt32, at second: Int,
                         group: String? = nil, backend: Backend = .native) -> SnapshotRecord {
        var snapshot = SnapshotRecord(id: id, name: "", description: "a \"quoted\"\ndescription", diskId: disk, poolName: pool,
                                      thinId: thinId, sourceDiskSizeBytes: 1 << 30, createdAt: at(second), modifiedAt: at(second),
                                      retentionDays: nil, groupId: group, holdWindowMicroseconds: 1234)
        snapshot.backend = backend
        return snapshot
    }

    static func group(_ id: String) -> SnapshotGroupRecord {
        SnapshotGroupRecord(id: id, name: id, description: "", createdAt: at(0), status: .accomplished,
                            holdWindowMicroseconds: 5678, diskIds: ["d-1", "d-2"])
    }

    @Test func theManifestHoldsItsPoolsNativeRecordsInTheOrderTheyWereMade() throws {
        let catalog = try Catalog(stateDirectory: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let disks = [Self.disk("d-2", pool: "p", thinId: 1, at: 5), Self.disk("d-1", pool: "p", thinId: 0, at: 5)]
        let snapshots = [
            Self.snapshot("s-3", of: "d-1", pool: "p", thinId: 4, at: 9, group: "ssg-b"),
            Self.snapshot("s-1", of: "d-1", pool: "p", thinId: 2, at: 7),
            Self.snapshot("s-2", of: "d-2", pool: "p", thinId: 3, at: 7, group: "ssg-a"),
            Self.snapshot("s-4", of: "d-2", pool: "p", thinId: 5, at: 10, group: "ssg-b"),
        ]
        try catalog.write { db in
            for pool in ["p", "q"] { try Self.pool(pool).insert(db) }
            for record in disks { try record.insert(db) }
            for record in snapshots { try record.insert(db) }
            for id in ["ssg-a", "ssg-b", "ssg-c", "ssg-lvm"] { try Self.group(id).insert(db) }
            // Another pool's records, and LVM's records under the same name, stay out.
            try Self.disk("d-9", pool: "q", thinId: 0, at: 1).insert(db)
            try Self.snapshot("s-9", of: "d-9", pool: "q", thinId: 1, at: 1, group: "ssg-c").insert(db)
            try Self.disk("d-8", pool: "p", thinId: 0, at: 1, backend: .lvm).insert(db)
            try Self.snapshot("s-8", of: "d-8", pool: "p", thinId: 2, at: 1, group: "ssg-lvm", backend: .lvm).insert(db)
        }
        let payload = try catalog.read { db in
            try CatalogManifestRecords(db: db, pool: Self.pool("p"), stateDirectory: "/var/lib/dmsnap").encodedJSON()
        }
        let manifest = try JSONDecoder().decode(PoolManifest.self, from: Data(payload.json))
        #expect(manifest.pool == Self.pool("p"))
        #expect(manifest.disks.map(\.id) == ["d-1", "d-2"], "by creation time, then ID")
        #expect(manifest.snapshots.map(\.id) == ["s-1", "s-2", "s-3", "s-4"])
        #expect(manifest.disks == disks.sorted { $0.id < $1.id })
        #expect(manifest.snapshots == snapshots.sorted { $0.id < $1.id })
        #expect(manifest.groups == [Self.group("ssg-a"), Self.group("ssg-b")])
        #expect(manifest.stateDirectory == "/var/lib/dmsnap")
        #expect((payload.disks, payload.snapshots) == (2, 4))
    }

    @Test func aPoolWithNothingInItHasAnEmptyManifest() throws {
        let catalog = try Catalog(stateDirectory: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try catalog.write { db in try Self.pool("p").insert(db) }
        let payload = try catalog.read { db in
            try CatalogManifestRecords(db: db, pool: Self.pool("p"), stateDirectory: nil).encodedJSON()
        }
        let manifest = try JSONDecoder().decode(PoolManifest.self, from: Data(payload.json))
        #expect(manifest.disks.isEmpty && manifest.snapshots.isEmpty && manifest.groups.isEmpty)
        #expect(manifest.stateDirectory == nil)
    }
}
