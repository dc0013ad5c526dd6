import ECS
import Foundation
import Snapshots

/// The everyday spelling's `--json`: the same bodies the ECS spelling prints.
enum ECSRender {
    static func describeDisks(_ disks: [DiskView]) throws -> String {
        try ECSResponse.encode(ECSResponse.DescribeDisks(
            RequestId: ECSResponse.newRequestId(), TotalCount: disks.count, PageNumber: 1, PageSize: disks.count,
            Disks: .init(Disk: disks.map(ECSDisk.init))))
    }

    static func describeSnapshots(_ snapshots: [SnapshotRecord], copies: [String: SnapshotCopyRecord],
                                  page: (number: Int, size: Int)?) throws -> String {
        try ECSResponse.encode(ECSResponse.DescribeSnapshots(
            RequestId: ECSResponse.newRequestId(), TotalCount: snapshots.count, PageNumber: page?.number ?? 1,
            PageSize: page?.size ?? snapshots.count, NextToken: nil,
            Snapshots: .init(Snapshot: snapshots.map { ECSSnapshot($0, copy: copies[$0.id]) })))
    }

    /// A disk a command made or changed, as DescribeDisks gives it.
    static func disk(_ id: String, service: SnapshotService) throws -> String {
        guard let view = try service.describeDisks().first(where: { $0.record.id == id }) else {
            throw SnapshotsError(.invalidDiskIdNotFound, "disk \(id) vanished before it could be shown")
        }
        return try ECSResponse.encode(ECSDisk(view))
    }

    /// A snapshot a command made, as DescribeSnapshots gives it.
    static func snapshot(_ record: SnapshotRecord) throws -> String {
        try ECSResponse.encode(ECSSnapshot(record))
    }

    static func timestamp(_ date: Date) -> String { ECSTimestamp.string(date) }
}
