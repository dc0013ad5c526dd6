import Snapshots

/// ECS's two paging styles over an already ordered list.
public enum Paging {
    public struct NumberedPage: Equatable {
        public var number: Int
        public var size: Int
        public var range: Range<Int>
    }

    public struct TokenPage: Equatable {
        public var range: Range<Int>
        /// Nil on the last page.
        public var nextToken: String?
    }

    /// PageNumber (from 1) and PageSize (1 to 100, default 10).
    public static func byNumber(count: Int, pageNumber: Int?, pageSize: Int?) throws -> NumberedPage {
        let number = pageNumber ?? 1, size = pageSize ?? 10
        guard number >= 1 else { throw SnapshotsError(.invalidParameter, "PageNumber must be 1 or more, not \(number)") }
        guard (1...100).contains(size) else { throw SnapshotsError(.invalidParameter, "PageSize must be between 1 and 100, not \(size)") }
        let (start, overflow) = (number - 1).multipliedReportingOverflow(by: size)
        let lower = overflow ? count : min(start, count)
        return NumberedPage(number: number, size: size, range: lower..<min(lower + size, count))
    }

    /// MaxResults (1 to 100, default 10) and the NextToken of the previous page.
    /// The token is `dmsnap-offset-N`: opaque to ECS clients, checked here.
    public static func byToken(count: Int, maxResults: Int?, nextToken: String?) throws -> TokenPage {
        let size = maxResults ?? 10
        guard (1...100).contains(size) else { throw SnapshotsError(.invalidParameter, "MaxResults must be between 1 and 100, not \(size)") }
        var start = 0
        if let nextToken, !nextToken.isEmpty {
            let prefix = "dmsnap-offset-"
            guard nextToken.hasPrefix(prefix), let offset = Int(nextToken.dropFirst(prefix.count)), offset > 0, offset <= count else {
                throw SnapshotsError(.invalidParameter, "NextToken \(nextToken.prefix(60).debugDescription) is not one dmsnap returned for this listing")
            }
            start = offset
        }
        let end = min(start + size, count)
        return TokenPage(range: start..<end, nextToken: end < count ? "dmsnap-offset-\(end)" : nil)
    }
}
