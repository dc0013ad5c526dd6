import Foundation
import GRDB
@testable import Snapshots
import TestSupport

/// A state directory whose catalog already knows a native pool, two disks and
/// three snapshots (the host has no device-mapper, so they exist only as
/// records): hostile input aimed at real names and IDs then gets past "not
/// found" and into the code that would touch them.
struct SeededState {
    static let poolName = "p0"
    static let diskName = "web"
    static let snapshotName = "before"

    let directory: String
    let diskId: String
    let secondDiskId: String
    let snapshotId: String

    /// Seeds `directory` (which must not exist) through the real catalog code;
    /// `extraSnapshots` more rows spread the snapshot table over many pages.
    init(directory: String, extraSnapshots: Int = 0) throws {
        self.directory = directory
        var random = SplitMix64(seed: 7)
        diskId = ResourceID.generate(.disk, using: &random).rawValue
        secondDiskId = ResourceID.generate(.disk, using: &random).rawValue
        snapshotId = ResourceID.generate(.snapshot, using: &random).rawValue
        let snapshotIds = [snapshotId] + (0..<2 + extraSnapshots).map { _ in ResourceID.generate(.snapshot, using: &random).rawValue }
        let created = Date(timeIntervalSince1970: 1_790_000_000)
        let catalog = try Catalog(stateDirectory: directory)
        try catalog.write { [diskId, secondDiskId] db in
            try PoolRecord(name: Self.poolName, dataDevice: "/dev/loop90", metadataDevice: "/dev/loop91", dataFile: nil,
                           metadataFile: nil, blockSizeSectors: 128, lowWaterMarkBlocks: 16, dataSectors: 1 << 21,
                           transactionId: 5, nextThinId: 6, createdAt: created).insert(db)
            for (index, (id, name)) in [(diskId, Self.diskName), (secondDiskId, "db")].enumerated() {
                try DiskRecord(id: id, name: name, description: "seeded", poolName: Self.poolName, thinId: UInt32(index),
                               sizeBytes: 1 << 30, createdAt: created).insert(db)
            }
            for (index, id) in snapshotIds.enumerated() {
                try SnapshotRecord(id: id, name: index == 0 ? Self.snapshotName : "snap\(index)",
                                   description: index > 2 ? "row \(index) " + String(repeating: "x", count: 200) : "",
                                   diskId: diskId, poolName: Self.poolName, thinId: UInt32(index + 2),
                                   sourceDiskSizeBytes: 1 << 30, createdAt: created + Double(index),
                                   modifiedAt: created, retentionDays: nil, groupId: nil, holdWindowMicroseconds: 42).insert(db)
            }
        }
        // The lock file a previous mutating run leaves, so its absence is no difference.
        close(open(directory + "/lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600))
    }

    /// Real-looking values for an argument, so that one hostile value is tested
    /// while the others pass validation.
    var plausibleDiskReferences: [String] {
        [diskId, secondDiskId, Self.diskName, "/dev/dmsnap/\(Self.diskName)", "/dev/mapper/dmsnap-\(diskId)", "vg0/lv0"]
    }

    var plausibleSnapshotReferences: [String] { [snapshotId, Self.snapshotName, "snap1"] }
}
