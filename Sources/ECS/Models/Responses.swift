import Foundation
import Snapshots

/// The JSON bodies dmsnap prints, shaped as ECS's API returns them.
public enum ECSResponse {
    public struct Created: Encodable {
        public var RequestId: String
        public var SnapshotId: String?
        public var DiskId: String?

        public init(RequestId: String, SnapshotId: String? = nil, DiskId: String? = nil) {
            self.RequestId = RequestId
            self.SnapshotId = SnapshotId
            self.DiskId = DiskId
        }
    }

    public struct Plain: Encodable {
        public var RequestId: String

        public init(RequestId: String) {
            self.RequestId = RequestId
        }
    }

    public struct SnapshotList: Encodable {
        public var Snapshot: [ECSSnapshot]
        public init(Snapshot: [ECSSnapshot]) { self.Snapshot = Snapshot }
    }
    public struct DiskList: Encodable {
        public var Disk: [ECSDisk]
        public init(Disk: [ECSDisk]) { self.Disk = Disk }
    }

    public struct DescribeSnapshots: Encodable {
        public var RequestId: String
        public var TotalCount: Int
        public var PageNumber: Int?
        public var PageSize: Int?
        public var NextToken: String?
        public var Snapshots: SnapshotList

        public init(RequestId: String, TotalCount: Int, PageNumber: Int? = nil, PageSize: Int? = nil, NextToken: String? = nil, Snapshots: SnapshotList) {
            self.RequestId = RequestId
            self.TotalCount = TotalCount
            self.PageNumber = PageNumber
            self.PageSize = PageSize
            self.NextToken = NextToken
            self.Snapshots = Snapshots
        }
    }

    public struct DescribeDisks: Encodable {
        public var RequestId: String
        public var TotalCount: Int
        public var PageNumber: Int
        public var PageSize: Int
        public var Disks: DiskList

        public init(RequestId: String, TotalCount: Int, PageNumber: Int, PageSize: Int, Disks: DiskList) {
            self.RequestId = RequestId
            self.TotalCount = TotalCount
            self.PageNumber = PageNumber
            self.PageSize = PageSize
            self.Disks = Disks
        }
    }

    /// `{"RequestId","Code","Message"}`, printed on stderr.
    public struct Failure: Encodable {
        public var RequestId: String
        public var Code: String
        public var Message: String

        public init(RequestId: String, Code: String, Message: String) {
            self.RequestId = RequestId
            self.Code = Code
            self.Message = Message
        }
    }

    /// A fresh RequestId: an uppercase UUID, one per invocation.
    public static func newRequestId() -> String { RequestID().rawValue }

    /// A response body as text, keys sorted: indented the way `aliyun ecs`
    /// prints a response (`JSONValue.Style.aliyun`: tabs, Go's escaping), or on
    /// one line (`CreateSnapshot` prints `{"RequestId":"…","SnapshotId":"s-…"}`).
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = true) throws -> String {
        let json = try (value as? JSONValue) ?? JSONValue(encoding: value)
        return json.rendered(pretty ? .aliyun : .compact)
    }
}
