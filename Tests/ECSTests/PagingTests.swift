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
        let error = #expect(throws: SnapshotsError.self) { try Paging.byToken(maxResults: size, nextToken: nil, kind: .snapshot) }
        #expect(error?.code == .invalidParameter)
    }

    @Test func numberedPagesReportTotalCountPageNumberAndPageSize() throws {
        let page = try Paging.byNumber(count: 25, pageNumber: 2, pageSize: 10)
        #expect(JSONValue.object(page.responseMembers(totalCount: 25)).rendered(.compact) == #"{"TotalCount":25,"PageNumber":2,"PageSize":10}"#)
    }

    /// A listing as the catalog gives it: `count` snapshots, newest first,
    /// three made in each millisecond (their IDs order them).
    static func listing(_ count: Int, seed: UInt64 = 3) -> [ListingCursor] {
        var state = seed
        return (0..<count).map { index in
            ListingCursor(createdAtMilliseconds: 1_790_000_000_000 + Int64(index / 3), id: id(&state))
        }.sorted()
    }

    /// A snapshot ID from a seeded generator (a 64-bit LCG).
    static func id(_ state: inout UInt64) -> ResourceID {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let body = (0..<20).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return alphabet[Int(state >> 33) % alphabet.count]
        }
        return try! ResourceID(parsing: "s-" + String(body))
    }

    /// What the catalog's keyset query returns for `page` of `listing`.
    static func items(_ listing: [ListingCursor], _ page: Paging.TokenPage) -> (items: [ListingCursor], more: Bool) {
        let following = listing.filter { item in page.after.map { $0 < item } ?? true }
        return (Array(following.prefix(page.limit)), following.count > page.limit)
    }

    /// Pages through `listing` with NextTokens, letting `between` change it
    /// before each next page is asked for; returns every item listed.
    static func walk(_ listing: [ListingCursor], maxResults: Int,
                     between: (_ listed: [ListingCursor], _ listing: inout [ListingCursor]) -> Void = { _, _ in }) throws -> [ListingCursor] {
        var listing = listing, seen: [ListingCursor] = [], token: String?
        repeat {
            let page = try Paging.byToken(maxResults: maxResults, nextToken: token, kind: .snapshot, scope: "all")
            let (items, more) = items(listing, page)
            seen += items
            token = Paging.nextToken(after: items.last, more: more, scope: "all")
            if token != nil { between(items, &listing) }
        } while token != nil
        return seen
    }

    @Test func nextTokensWalkTheWholeListOnceAndTheLastPageHasNone() throws {
        let listing = Self.listing(23)
        #expect(try Self.walk(listing, maxResults: 10) == listing)
        #expect(Paging.nextToken(after: listing.last, more: false) == nil, "ECS's empty NextToken on the last page")
    }

    /// Issue 16, item 8: the first page's items deleted before the second is
    /// asked for; an offset skipped as many items as were deleted.
    @Test func deletingTheListedItemsSkipsNothing() throws {
        let listing = Self.listing(12)
        let seen = try Self.walk(listing, maxResults: 3) { listed, listing in listing.removeAll { listed.contains($0) } }
        #expect(seen == listing)
    }

    /// Between pages: a newer item is added (it lists before the place: not
    /// on a later page), an item not listed yet is deleted (never listed),
    /// and one is added right after the place, in its millisecond (listed).
    @Test func itemsAddedOrDeletedMeanwhileNeitherRepeatNorSkipAnother() throws {
        let original = Self.listing(20)
        var state: UInt64 = 99
        var deleted: [ListingCursor] = [], addedAfter: [ListingCursor] = []
        let seen = try Self.walk(original, maxResults: 4) { listed, listing in
            guard let place = listed.last else { return }
            listing.append(ListingCursor(createdAtMilliseconds: 1_800_000_000_000, id: Self.id(&state)))
            if let doomed = listing.last(where: { place < $0 }) {
                listing.removeAll { $0 == doomed }
                deleted.append(doomed)
            }
            var after = ListingCursor(createdAtMilliseconds: place.createdAtMilliseconds, id: Self.id(&state))
            while !(place < after) { after = ListingCursor(createdAtMilliseconds: place.createdAtMilliseconds, id: Self.id(&state)) }
            listing.append(after)
            addedAfter.append(after)
            listing.sort()
        }
        let expected = (original + addedAfter).filter { !deleted.contains($0) }.sorted()
        #expect(seen == expected)
        #expect(!deleted.isEmpty && !addedAfter.isEmpty)
    }

    @Test func aTokenLooksLikeAnECSTokenAndRoundTrips() throws {
        let place = Self.listing(5)[2]
        let token = PageToken.make(after: place, scope: "disk=d-1")
        #expect(token.wholeMatch(of: #/[0-9a-f]{60}/#) != nil)
        #expect(try PageToken.cursor(in: token, kind: .snapshot, scope: "disk=d-1") == place)
        #expect(try Paging.byToken(maxResults: 5, nextToken: token, kind: .snapshot, scope: "disk=d-1") == .init(limit: 5, after: place))
    }

    @Test(arguments: ["s-aaaaaaaaaaaaaaaaaaaa", "s-99999999999999999999", "s-0a1b2c3d4e5f6g7h8i9z"])
    func everyIDBodyRoundTrips(id: String) throws {
        let place = ListingCursor(createdAtMilliseconds: -5, id: try ResourceID(parsing: id))
        #expect(try PageToken.cursor(in: PageToken.make(after: place, scope: ""), kind: .snapshot, scope: "") == place)
    }

    @Test func aTokenFromAnotherListingIsRefused() {
        let token = PageToken.make(after: Self.listing(3)[1], scope: "disk=d-1")
        let error = #expect(throws: SnapshotsError.self) { try Paging.byToken(maxResults: 10, nextToken: token, kind: .snapshot, scope: "disk=d-2") }
        #expect(error?.code == .invalidParameter)
    }

    @Test func anEditedTokenIsRefused() {
        let token = Array(PageToken.make(after: Self.listing(3)[1], scope: ""))
        for position in token.indices {
            var edited = token
            edited[position] = edited[position] == "0" ? "1" : "0"
            #expect(throws: SnapshotsError.self) { try PageToken.cursor(in: String(edited), kind: .snapshot, scope: "") }
        }
    }

    @Test(arguments: ["garbage", "dmsnap-offset-10", String(repeating: "0", count: 32), String(repeating: "0", count: 60),
                      String(repeating: "g", count: 60), "CAEBA0BBB2BE03F84EB48B699F0A4883", String(repeating: "a", count: 1000),
                      "010000000000000014c0ffee00c0ffee" /* an offset token of version 1 */])
    func forgedTokensAreRefusedWithoutEchoingThemWhole(token: String) {
        let error = #expect(throws: SnapshotsError.self) { try Paging.byToken(maxResults: 10, nextToken: token, kind: .snapshot) }
        #expect(error?.code == .invalidParameter)
        #expect((error?.message.count ?? 0) < 200)
    }

    @Test func theListingOrderIsNewestFirstThenByID() throws {
        let (older, newer) = (Int64(1_000), Int64(2_000))
        let a = try ResourceID(parsing: "s-aaaaaaaaaaaaaaaaaaaa"), b = try ResourceID(parsing: "s-bbbbbbbbbbbbbbbbbbbb")
        #expect(ListingCursor(createdAtMilliseconds: newer, id: b) < ListingCursor(createdAtMilliseconds: older, id: a))
        #expect(ListingCursor(createdAtMilliseconds: older, id: a) < ListingCursor(createdAtMilliseconds: older, id: b))
        #expect(!(ListingCursor(createdAtMilliseconds: older, id: a) < ListingCursor(createdAtMilliseconds: older, id: a)))
    }
}
