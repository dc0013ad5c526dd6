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

    static func describeSnapshots(_ snapshots: [SnapshotRecord], page: (number: Int, size: Int)?) throws -> String {
        try ECSResponse.encode(ECSResponse.DescribeSnapshots(
            RequestId: ECSResponse.newRequestId(), TotalCount: snapshots.count, PageNumber: page?.number ?? 1,
            PageSize: page?.size ?? snapshots.count, NextToken: nil, Snapshots: .init(Snapshot: snapshots.map { ECSSnapshot($0) })))
    }

    static func timestamp(_ date: Date) -> String { ECSTimestamp.string(date) }
}
