@testable import ECS
import Snapshots
import Testing

struct PagingTests {
    @Test func pageNumbersCountFromOneWithTenPerPageByDefault() throws {
        #expect(try Paging.byNumber(count: 25, pageNumber: nil, pageSize: nil) == .init(number: 1, size: 10, range: 0..<10))
        #expect(try Paging.byNumber(count: 25, pageNumber: 3, pageSize: 10).range == 20..<25)
        #expect(try Paging.byNumber(count: 25, pageNumber: 4, pageSize: 10).range.isEmpty, "a page past the end is empty")
        #expect(try Paging.byNumber(count: 25, pageNumber: Int.max, pageSize: 100).range.isEmpty)
    }

    @Test(arguments: [(1, 0), (1, 101), (0, 10), (-1, 10)])
    func pageSizesOutsideOneToHundredAreInvalidParameters(number: Int, size: Int) {
        let error = #expect(throws: SnapshotsError.self) { try Paging.byNumber(count: 5, pageNumber: number, pageSize: size) }
        #expect(error?.code == .invalidParameter)
    }

    @Test func nextTokensWalkTheWholeListOnce() throws {
        var seen: [Int] = []
        var token: String?
        repeat {
            let page = try Paging.byToken(count: 23, maxResults: 10, nextToken: token)
            seen += Array(page.range)
            token = page.nextToken
        } while token != nil
        #expect(seen == Array(0..<23))
    }

    @Test(arguments: ["garbage", "dmsnap-offset-0", "dmsnap-offset-99", "dmsnap-offset--1", "dmsnap-offset-x"])
    func forgedTokensAreRefused(token: String) {
        #expect(throws: SnapshotsError.self) { try Paging.byToken(count: 20, maxResults: 10, nextToken: token) }
    }
}
