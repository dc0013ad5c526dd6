import Snapshots

/// ECS's two ways of paging a list in its final order.
///
/// - PageNumber (from 1, default 1) and PageSize (1 to 100, default 10); the
///   response carries TotalCount, PageNumber and PageSize. A page past the end
///   is empty, not an error.
/// - MaxResults (1 to 100, default 10) and the NextToken of the previous
///   response; the response carries TotalCount and NextToken, which is empty on
///   the last page ("if NextToken is empty, no next page exists"). A token is
///   the place of the last item returned (`ListingCursor`), so the next page
///   starts right after it even when items before it were deleted meanwhile.
///
/// Out-of-range sizes and tokens dmsnap did not issue are `InvalidParameter`.
public enum Paging {
    public static let defaultPageSize = 10
    public static let maximumPageSize = 100

    public struct NumberedPage: Equatable, Sendable {
        public var number: Int
        public var size: Int
        /// The indices of the list on this page; empty past the end.
        public var range: Range<Int>

        /// `TotalCount`, `PageNumber`, `PageSize`, for a response object.
        public func responseMembers(totalCount: Int) -> [(key: String, value: JSONValue)] {
            [("TotalCount", .int(totalCount)), ("PageNumber", .int(number)), ("PageSize", .int(size))]
        }
    }

    /// Where a NextToken page starts and how long it is.
    public struct TokenPage: Equatable, Sendable {
        /// The most items on the page.
        public var limit: Int
        /// The page starts after this place; nil for the first page.
        public var after: ListingCursor?
    }

    /// The page `pageNumber` of `pageSize` items out of `count`.
    public static func byNumber(count: Int, pageNumber: Int?, pageSize: Int?) throws(SnapshotsError) -> NumberedPage {
        let number = pageNumber ?? 1, size = pageSize ?? defaultPageSize
        guard number >= 1 else { throw SnapshotsError(.invalidParameter, "PageNumber must be 1 or more, not \(number)") }
        try requireSize(size, name: "PageSize")
        let (start, overflow) = (number - 1).multipliedReportingOverflow(by: size)
        let lower = overflow ? count : min(start, count)
        return NumberedPage(number: number, size: size, range: lower..<min(lower + size, count))
    }

    /// The page after `nextToken` (the first page without one), `maxResults` items long.
    ///
    /// `scope` names the listing (its filters, say); a token is only accepted
    /// back with the same scope, so a token from another query is refused
    /// instead of silently skipping into a different list. `kind` is the kind
    /// of the listed IDs.
    public static func byToken(maxResults: Int?, nextToken: String?, kind: ResourceID.Kind,
                               scope: String = "") throws(SnapshotsError) -> TokenPage {
        let size = maxResults ?? defaultPageSize
        try requireSize(size, name: "MaxResults")
        guard let nextToken, !nextToken.isEmpty else { return TokenPage(limit: size, after: nil) }
        return TokenPage(limit: size, after: try PageToken.cursor(in: nextToken, kind: kind, scope: scope))
    }

    /// The NextToken of a page whose last item is at `last`: nil (ECS's empty
    /// NextToken) when no item follows it.
    public static func nextToken(after last: ListingCursor?, more: Bool, scope: String = "") -> String? {
        guard more, let last else { return nil }
        return PageToken.make(after: last, scope: scope)
    }

    private static func requireSize(_ size: Int, name: String) throws(SnapshotsError) {
        guard (1...maximumPageSize).contains(size) else {
            throw SnapshotsError(.invalidParameter, "\(name) must be between 1 and \(maximumPageSize), not \(size)")
        }
    }
}
