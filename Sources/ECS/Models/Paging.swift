import Snapshots

/// ECS's two ways of paging a list, over a list already in its final order.
///
/// - PageNumber (from 1, default 1) and PageSize (1 to 100, default 10); the
///   response carries TotalCount, PageNumber and PageSize. A page past the end
///   is empty, not an error.
/// - MaxResults (1 to 100, default 10) and the NextToken of the previous
///   response; the response carries TotalCount and NextToken, which is empty on
///   the last page ("if NextToken is empty, no next page exists").
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

    public struct TokenPage: Equatable, Sendable {
        public var range: Range<Int>
        /// The token for the page after this one; nil on the last page.
        public var nextToken: String?

        /// `TotalCount` and `NextToken` (empty on the last page), for a response object.
        public func responseMembers(totalCount: Int) -> [(key: String, value: JSONValue)] {
            [("TotalCount", .int(totalCount)), ("NextToken", .string(nextToken ?? ""))]
        }
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
    /// instead of silently skipping into a different list. A token whose page
    /// now lies past the end (items were deleted meanwhile) gives an empty last page.
    public static func byToken(count: Int, maxResults: Int?, nextToken: String?, scope: String = "") throws(SnapshotsError) -> TokenPage {
        let size = maxResults ?? defaultPageSize
        try requireSize(size, name: "MaxResults")
        var start = 0
        if let nextToken, !nextToken.isEmpty {
            start = min(try PageToken.offset(in: nextToken, scope: scope), count)
        }
        let end = start + min(size, count - start)
        return TokenPage(range: start..<end, nextToken: end < count ? PageToken.make(offset: end, scope: scope) : nil)
    }

    private static func requireSize(_ size: Int, name: String) throws(SnapshotsError) {
        guard (1...maximumPageSize).contains(size) else {
            throw SnapshotsError(.invalidParameter, "\(name) must be between 1 and \(maximumPageSize), not \(size)")
        }
    }
}
