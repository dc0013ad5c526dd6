import DeviceMapper
import Foundation
import GRDB

/// What `pool list` and `pool status` show.
public struct PoolReport: Sendable {
    public let record: PoolRecord
    public let status: ThinPoolStatus?
    public let diskCount: Int
    public let snapshotCount: Int
}

extension SnapshotService {
    public static let defaultBlockSizeSectors: UInt64 = 128  // 64 KiB

    /// The kernel takes any low water mark; one at or above the pool's data
    /// blocks would raise the event from the start.
    static func requireLowWaterMark(_ blocks: UInt64?, dataBytes: UInt64, blockSizeSectors: UInt64) throws {
        let dataBlocks = dataBytes / (blockSizeSectors * 512)
        if let blocks, blocks >= dataBlocks {
            throw SnapshotsError(.invalidParameter, "the low water mark (\(blocks) blocks) must be below the pool's \(dataBlocks) data blocks")
        }
    }

    public func listPools() throws -> [PoolReport] {
        let pools = try catalog.read { db in try PoolRecord.order(Column("name")).fetchAll(db) }
        return try pools.map { record in
            let counts = try catalog.read { db in
                (try DiskRecord.filter(Column("poolName") == record.name).fetchCount(db),
                 try SnapshotRecord.filter(Column("poolName") == record.name).fetchCount(db))
            }
            let status = try? nativePool(record).status()
            return PoolReport(record: record, status: status, diskCount: counts.0, snapshotCount: counts.1)
        }
    }

    /// The pool to use when the caller names none: the only one.
    func defaultPool(_ name: String?) throws -> PoolRecord {
        if let name { return try pool(named: name) }
        let pools = try catalog.read { db in try PoolRecord.fetchAll(db) }
        guard pools.count == 1, let only = pools.first else {
            throw SnapshotsError(pools.isEmpty ? .invalidPoolNotFound : .missingParameter,
                                 pools.isEmpty ? "there is no pool yet; create one with `dmsnap pool create`"
                                               : "there are \(pools.count) pools; name one with --PoolName")
        }
        return only
    }

    /// A dm event fires when free blocks fall below this: 1% of the pool, at least 16 blocks.
    static func defaultLowWaterMark(dataBytes: UInt64, blockSizeSectors: UInt64) -> UInt64 {
        max(16, dataBytes / (blockSizeSectors * 512) / 100)
    }
}
