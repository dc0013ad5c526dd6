@testable import ECS
import Snapshots
import Testing

struct PagingTests {
    @Test func pageNumbersCountFromOneWithTenPerPageByDefault() throws {
        #expect(try Paging.byNumber(count: 25, pageNumber: nil, pageSize: nil) == .init(number: 1, size: 10, range: 0..<10))
        #expect(try Paging.byNumber(count: 25, pageNumber: 3, pageSize: 10).range == 20..<25)
        #expect(try Paging.byNumber(count: 25, pageNumber: 1, pageSize: 100).range == 0..<25)
    }

    @Test func aPageBeyondTheEndIsEmptyNotAnError() throws {
        #expect(try Paging.byNumber(count: 25, pageNumber: 4, pageSize: 10).range.isEmpty)
        #expect(try Paging.byNumber(count: 0, pageNumber: 1, pageSize: 10).range.isEmpty)
        #expect(try Paging.byNumber(count: 25, pageNumber: Int.max, pageSize: 100).range.isEmpty, "no overflow")
    }

    @Test(arguments: [(1, 0), (1, 101), (0, 10), (-1, 10), (1, -5)])
    func pageSizesOutsideOneToHundredAndPagesBelowOneAreInvalidParameters(number: Int, size: Int) {
        let error = #expect(throws: SnapshotsError.self) { try Paging.byNumber(count: 5, pageNumber: number, pageSize: size) }
        #expect(error?.code == .invalidParameter)
    }

    @Test(arguments: [0, 101])
    func maxResultsOutsideOneToHundredIsAnInvalidParameter(size: Int) {
        let error = #expect(throws: SnapshotsError.self) { try Paging.byToken(count: 5, maxResults: size, nextToken: nil) }
        #expect(error?.code == .invalidParameter)
    }

    @Test func numberedPagesReportTotalCountPageNumberAndPageSize() throws {
        let page = try Paging.byNumber(count: 25, pageNumber: 2, pageSize: 10)
        #expect(JSONValue.object(page.responseMembers(totalCount: 25)).rendered(.compact) == #"{"TotalCount":25,"PageNumber":2,"PageSize":10}"#)
    }

    @Test func nextTokensWalkTheWholeListOnceAndTheLastPageHasNone() throws {
        var seen: [Int] = []
        var token: String?
        var pages = 0
        repeat {
            let page = try Paging.byToken(count: 23, maxResults: 10, nextToken: token)
            seen += Array(page.range)
            token = page.nextToken
            pages += 1
            if token == nil {
                #expect(JSONValue.object(page.responseMembers(totalCount: 23)).rendered(.compact) == #"{"TotalCount":23,"NextToken":""}"#)
            }
        } while token != nil
        #expect(seen == Array(0..<23))
        #expect(pages == 3)
    }

    @Test func aTokenLooksLikeAnECSTokenAndRoundTrips() throws {
        let token = PageToken.make(offset: 20, scope: "disk=d-1")
        #expect(token.wholeMatch(of: #/[0-9a-f]{32}/#) != nil)
        #expect(try PageToken.offset(in: token, scope: "disk=d-1") == 20)
        #expect(try Paging.byToken(count: 30, maxResults: 5, nextToken: token, scope: "disk=d-1").range == 20..<25)
    }

    @Test func aTokenFromAnotherListingIsRefused() {
        let token = PageToken.make(offset: 10, scope: "disk=d-1")
        let error = #expect(throws: SnapshotsError.self) { try Paging.byToken(count: 30, maxResults: 10, nextToken: token, scope: "disk=d-2") }
        #expect(error?.code == .invalidParameter)
    }

    @Test func anEditedTokenIsRefused() {
        let token = Array(PageToken.make(offset: 10, scope: ""))
        for position in token.indices {
            var edited = token
            edited[position] = edited[position] == "0" ? "1" : "0"
            #expect(throws: SnapshotsError.self) { try PageToken.offset(in: String(edited), scope: "") }
        }
    }

    @Test(arguments: ["garbage", "dmsnap-offset-10", String(repeating: "0", count: 32), String(repeating: "g", count: 32),
                      "CAEBA0BBB2BE03F84EB48B699F0A4883", String(repeating: "a", count: 1000)])
    func forgedTokensAreRefusedWithoutEchoingThemWhole(token: String) {
        let error = #expect(throws: SnapshotsError.self) { try Paging.byToken(count: 20, maxResults: 10, nextToken: token) }
        #expect(error?.code == .invalidParameter)
        #expect((error?.message.count ?? 0) < 200)
    }

    @Test func aTokenPastTheEndOfAShrunkListGivesAnEmptyLastPage() throws {
        let token = try #require(try Paging.byToken(count: 30, maxResults: 20, nextToken: nil).nextToken)
        let page = try Paging.byToken(count: 12, maxResults: 20, nextToken: token)
        #expect(page.range.isEmpty)
        #expect(page.nextToken == nil)
    }
}
