import ArgumentParser
import ECS
import Foundation
import Snapshots

struct CreateSnapshotVerb: ECSVerb {
    static let configuration = CommandConfiguration(
        commandName: "CreateSnapshot",
        abstract: "ECS CreateSnapshot: snapshot a disk; prints {\"RequestId\":…,\"SnapshotId\":…}.",
        discussion: "Example:\n  dmsnap CreateSnapshot --DiskId d-bp1afnc98r8kjh4x7q2m --SnapshotName before-upgrade")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOption

    @Option(name: .customLong("DiskId"), help: "The disk to snapshot (d-…).")
    var diskId: String

    @Option(name: .customLong("SnapshotName"), help: NameHelp.snapshot)
    var snapshotName: String?

    @Option(name: .customLong("Description"), help: NameHelp.description)
    var description: String = ""

    @Option(name: .customLong("RetentionDays"), help: "Keep the snapshot this many days (1 to 65536); recorded, not yet enforced.")
    var retentionDays: Int?

    @Option(name: .customLong("InstantAccess"), help: """
        false: release the snapshot's local thin device as soon as its copy into its copy target (the pool's, \
        else the default repository) is accomplished (it stays listed and restorable from there); true: keep it \
        (default: keep it until dmsnap snapshot release). Needs a copy target.
        """)
    var instantAccess: Bool?

    @Option(name: .customLong("InstantAccessRetentionDays"), help: """
        Release the local thin device at the first sweep this many days (1 to 65535) after the snapshot, once \
        copied (the copy worker, activate, recover, snapshot release --expired). Not with --InstantAccess false.
        """)
    var instantAccessRetentionDays: Int?

    @Option(name: .customLong("PoolUsageLimit"),
            help: "dmsnap's: refuse when the disk's thin pool has more than this percent of its data or metadata in use (default: $DMSNAP_POOL_USAGE_LIMIT, else 95).")
    var poolUsageLimit: Double?

    func validateOptions() throws {
        if let poolUsageLimit { _ = try PoolUsageLimit(percent: poolUsageLimit) }
        do {
            _ = try InstantAccessPolicy.retentionDays(instantAccess: instantAccess, instantAccessRetentionDays: instantAccessRetentionDays)
        } catch let error as SnapshotsError {
            throw ValidationError(error.message)
        }
    }

    var compactResponse: Bool { true }

    var responseSample: (any Encodable)? { ECSResponse.Created(RequestId: "", SnapshotId: "") }

    func respond(_ service: SnapshotService, requestId: String) throws -> any Encodable {
        let snapshot = try service.createSnapshot(diskId: diskId, name: snapshotName, description: description, retentionDays: retentionDays,
                                                  usageLimit: try poolUsageLimit.map(PoolUsageLimit.init(percent:)),
                                                  instantAccess: instantAccess, instantAccessRetentionDays: instantAccessRetentionDays)
        return ECSResponse.Created(RequestId: requestId, SnapshotId: snapshot.id)
    }
}

struct DescribeSnapshotsVerb: ECSVerb {
    static let configuration = CommandConfiguration(
        commandName: "DescribeSnapshots",
        abstract: "ECS DescribeSnapshots: list snapshots, newest first, with filters and paging.",
        discussion: """
            Paging: --PageNumber/--PageSize (default 1 and 10, at most 100), or
            --MaxResults with the NextToken of the previous page, which resumes
            right after the last snapshot that page listed, whatever was deleted
            or added meanwhile.

            Examples:
              dmsnap DescribeSnapshots --DiskId d-… --output cols=SnapshotId,SnapshotName,CreationTime
              dmsnap DescribeSnapshots --SnapshotIds '["s-…","s-…"]'
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOption

    @Option(name: .customLong("DiskId"), help: "Only this disk's snapshots.")
    var diskId: String?

    @Option(name: .customLong("SnapshotIds"), help: "A JSON array of up to 100 snapshot IDs.")
    var snapshotIds: String?

    @Option(name: .customLong("SnapshotName"), help: "Only snapshots with this name.")
    var snapshotName: String?

    @Option(name: .customLong("Status"), help: "progressing, accomplished, failed, all, or dmsnap's missing (an LV removed outside dmsnap).")
    var status: String?

    @Option(name: .customLong("SnapshotGroupId"), help: "Only the snapshots of this group.")
    var groupId: String?

    @Option(name: .customLong("PageNumber")) var pageNumber: Int?
    @Option(name: .customLong("PageSize")) var pageSize: Int?
    @Option(name: .customLong("MaxResults")) var maxResults: Int?
    @Option(name: .customLong("NextToken")) var nextToken: String?

    var responseSample: (any Encodable)? { nil }

    func validateOptions() throws {
        if (pageNumber != nil || pageSize != nil) && (maxResults != nil || nextToken != nil) {
            throw ValidationError("Use --PageNumber/--PageSize or --MaxResults/--NextToken, not both.")
        }
        if let status, !["progressing", "accomplished", "failed", "missing", "all"].contains(status) {
            throw ValidationError("--Status must be progressing, accomplished, failed, missing or all.")
        }
        _ = try parsedSnapshotIds()
        do throws(SnapshotsError) {
            if maxResults != nil || nextToken != nil {
                _ = try tokenPage()
            } else {
                _ = try Paging.byNumber(count: 0, pageNumber: pageNumber, pageSize: pageSize)
            }
        } catch {
            throw ValidationError(error.message)
        }
    }

    func parsedSnapshotIds() throws -> [String]? {
        guard let snapshotIds else { return nil }
        guard let parsed = try? JSONDecoder().decode([String].self, from: Data(snapshotIds.utf8)), parsed.count <= 100 else {
            throw ValidationError("--SnapshotIds must be a JSON array of at most 100 snapshot IDs, like '[\"s-…\"]'.")
        }
        return parsed
    }

    /// A token only pages the listing it came from: the filters are its scope.
    private var tokenScope: String {
        [diskId, snapshotIds, snapshotName, status, groupId].map { $0 ?? "" }.joined(separator: "\u{1}")
    }

    private func tokenPage() throws(SnapshotsError) -> Paging.TokenPage {
        try Paging.byToken(maxResults: maxResults, nextToken: nextToken, kind: .snapshot, scope: tokenScope)
    }

    func respond(_ service: SnapshotService, requestId: String) throws -> any Encodable {
        // A snapshot is progressing or failed while its copy into a repository is; else accomplished, or missing.
        var filter = SnapshotFilter(diskId: diskId, snapshotIds: try parsedSnapshotIds(), name: snapshotName, groupId: groupId)
        switch status {
        case "missing": filter.missing = true
        case "all", nil: break
        case let status?: filter.status = SnapshotCopyRecord.Status(rawValue: status)
        }
        if maxResults != nil || nextToken != nil {
            let page = try tokenPage()
            let found = try service.describeSnapshots(filter, after: page.after, limit: page.limit)
            let next = Paging.nextToken(after: found.snapshots.last.flatMap(ListingCursor.init(after:)), more: found.more, scope: tokenScope)
            return ECSResponse.DescribeSnapshots(RequestId: requestId, TotalCount: found.totalCount, PageNumber: nil, PageSize: nil,
                                                 NextToken: next ?? "", Snapshots: .init(Snapshot: try Self.models(found.snapshots, service)))
        }
        let (pageNumber, pageSize) = (pageNumber, pageSize)
        let page = { @Sendable (count: Int) throws in try Paging.byNumber(count: count, pageNumber: pageNumber, pageSize: pageSize) }
        let found = try service.describeSnapshots(filter) { try page($0).range }
        let numbered = try page(found.totalCount)
        return ECSResponse.DescribeSnapshots(RequestId: requestId, TotalCount: found.totalCount, PageNumber: numbered.number,
                                             PageSize: numbered.size, NextToken: nil,
                                             Snapshots: .init(Snapshot: try Self.models(found.snapshots, service)))
    }

    /// Each snapshot with its copy's status, progress and time remaining.
    static func models(_ snapshots: [SnapshotRecord], _ service: SnapshotService) throws -> [ECSSnapshot] {
        let copies = try service.copies(of: snapshots.map(\.id))
        return snapshots.map { ECSSnapshot($0, copy: copies[$0.id]) }
    }
}

struct DeleteSnapshotVerb: ECSVerb {
    static let configuration = CommandConfiguration(
        commandName: "DeleteSnapshot", abstract: "ECS DeleteSnapshot: delete a snapshot and free the blocks only it holds.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOption

    @Option(name: .customLong("SnapshotId")) var snapshotId: String
    @Option(name: .customLong("Force"), help: "Accepted for ECS compatibility; dmsnap snapshots have no dependent images.")
    var force: Bool = false

    var responseSample: (any Encodable)? { ECSResponse.Plain(RequestId: "") }

    func respond(_ service: SnapshotService, requestId: String) throws -> any Encodable {
        try service.deleteSnapshot(snapshotId)
        return ECSResponse.Plain(RequestId: requestId)
    }
}

struct ModifySnapshotAttributeVerb: ECSVerb {
    static let configuration = CommandConfiguration(
        commandName: "ModifySnapshotAttribute", abstract: "ECS ModifySnapshotAttribute: rename a snapshot or change its description.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOption

    @Option(name: .customLong("SnapshotId")) var snapshotId: String
    @Option(name: .customLong("SnapshotName"), help: NameHelp.snapshot) var snapshotName: String?
    @Option(name: .customLong("Description"), help: NameHelp.description) var description: String?

    var responseSample: (any Encodable)? { ECSResponse.Plain(RequestId: "") }

    func respond(_ service: SnapshotService, requestId: String) throws -> any Encodable {
        _ = try service.modifySnapshot(snapshotId, name: snapshotName, description: description)
        return ECSResponse.Plain(RequestId: requestId)
    }
}
