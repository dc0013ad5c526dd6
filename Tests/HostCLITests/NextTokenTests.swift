import Foundation
import GRDB
@testable import Snapshots
import Testing

/// Issue 16, item 8, on the real catalog: `DescribeSnapshots --MaxResults 3`,
/// those three deleted, then the NextToken. An offset token skipped the next
/// three; a token is the place of the last item returned, so nothing is skipped.
struct NextTokenTests {
    /// Asks for every page of `--DiskId` with MaxResults `size`, running `between` before each next page.
    static func walk(_ seeded: SeededState, size: Int, between: ([String]) throws -> Void) throws -> [String] {
        var seen: [String] = [], token = ""
        repeat {
            let result = try DMSnapBinary.run(["DescribeSnapshots", "--DiskId", seeded.diskId, "--MaxResults", String(size),
                                               "--state-dir", seeded.directory] + (token.isEmpty ? [] : ["--NextToken", token]))
            #expect(result.status == 0, "\(result.errorText)")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(result.output)) as? [String: Any])
            let page = ((body["Snapshots"] as? [String: Any])?["Snapshot"] as? [[String: Any]] ?? []).compactMap { $0["SnapshotId"] as? String }
            seen += page
            token = body["NextToken"] as? String ?? ""
            #expect(token.wholeMatch(of: #/[0-9a-f]*/#) != nil, "an opaque lowercase hex token: \(token)")
            if !token.isEmpty { try between(page) }
        } while !token.isEmpty && seen.count < 100
        return seen
    }

    @Test func deletingTheFirstPageSkipsNothingOfTheNext() throws {
        let scratch = try DMSnapBinary.scratchDirectory("nexttoken")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let seeded = try SeededState(directory: scratch + "/state", extraSnapshots: 7)
        let catalog = try Catalog(stateDirectory: seeded.directory)
        // Four more made in one millisecond with one of the seeded ones: their IDs order them.
        try catalog.write { [seeded] db in
            let twin = try #require(try SnapshotRecord.filter(Column("name") == "snap5").fetchOne(db))
            let bodies = ["zzzzzzzzzzzzzzzzzzz1", "00000000000000000000", "mmmmmmmmmmmmmmmmmmmm", "aaaaaaaaaaaaaaaaaaa9"]
            for (index, body) in bodies.enumerated() {
                var copy = twin
                copy.id = "s-" + body
                copy.name = "twin\(index)"
                copy.thinId = 100 + UInt32(index)
                copy.diskId = seeded.diskId
                try copy.insert(db)
            }
        }
        let everything = try Self.walk(seeded, size: 100) { _ in }
        #expect(everything.count == 14 && Set(everything).count == 14)

        let seen = try Self.walk(seeded, size: 3) { listed in
            _ = try catalog.write { db in try SnapshotRecord.deleteAll(db, keys: listed) }
        }
        #expect(seen == everything, "every snapshot listed once, in order, though each page was deleted before the next")
    }

    @Test func aTokenFromAnotherDisksListingIsRefused() throws {
        let scratch = try DMSnapBinary.scratchDirectory("foreigntoken")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let seeded = try SeededState(directory: scratch + "/state", extraSnapshots: 3)
        let first = try DMSnapBinary.run(["DescribeSnapshots", "--DiskId", seeded.diskId, "--MaxResults", "2", "--state-dir", seeded.directory])
        let token = try #require((try JSONSerialization.jsonObject(with: Data(first.output)) as? [String: Any])?["NextToken"] as? String)
        let foreign = try DMSnapBinary.run(["DescribeSnapshots", "--DiskId", seeded.secondDiskId, "--MaxResults", "2", "--NextToken", token,
                                            "--state-dir", seeded.directory])
        #expect(foreign.status != 0 && foreign.errorText.contains(#""Code":"InvalidParameter""#) && foreign.errorText.contains("NextToken"),
                "\(foreign.errorText)")
    }
}
