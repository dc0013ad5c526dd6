import Foundation
@testable import Snapshots
import TestSupport
import Testing

/// A manifest's JSON is written by hand (`JSONWriter`) but read by
/// `JSONDecoder`: every record must read back as it was, and the members must
/// be the ones `JSONEncoder` writes for the same records, so a field added to a
/// record and forgotten in ManifestJSON.swift fails here.
struct ManifestJSONTests {
    /// Text with everything a JSON string literal must escape, and what it must not.
    static let awkwardTexts = [
        "", "plain", "quote \" and backslash \\", "controls \u{0} \u{1} \u{8} \u{9} \n \r \u{0C} \u{1F}",
        "line separators \u{2028} \u{2029}", "ünïcode ✓ 🧊 𝄞", "slash / and <html> & del \u{7F}", "\u{E2}\u{80}",
    ]

    static func randomText(_ random: inout SplitMix64) -> String {
        if Bool.random(using: &random) { return awkwardTexts.randomElement(using: &random)! }
        let scalars = (0..<Int.random(in: 0...24, using: &random)).compactMap { _ -> Unicode.Scalar? in
            switch Int.random(in: 0..<4, using: &random) {
            case 0: Unicode.Scalar(UInt32.random(in: 0...0x7F, using: &random))
            case 1: Unicode.Scalar(UInt32.random(in: 0x80...0x7FF, using: &random))
            case 2: Unicode.Scalar(UInt32.random(in: 0x2000...0x206F, using: &random))
            default: Unicode.Scalar(UInt32.random(in: 0x1F300...0x1F5FF, using: &random))
            }
        }
        return String(String.UnicodeScalarView(scalars))
    }

    static func randomDate(_ random: inout SplitMix64) -> Date {
        // Whole seconds, milliseconds and arbitrary fractions, before and after 2001.
        let seconds = Double(Int64.random(in: -2_000_000_000...4_000_000_000, using: &random))
        switch Int.random(in: 0..<3, using: &random) {
        case 0: return Date(timeIntervalSince1970: seconds)
        case 1: return Date(timeIntervalSince1970: seconds + Double(Int.random(in: 0..<1000, using: &random)) / 1000)
        default: return Date(timeIntervalSince1970: seconds + Double.random(in: 0..<1, using: &random))
        }
    }

    static func maybe<T>(_ random: inout SplitMix64, _ value: (inout SplitMix64) -> T) -> T? {
        Bool.random(using: &random) ? value(&random) : nil
    }

    static func randomManifest(_ random: inout SplitMix64) -> PoolManifest {
        var r = random
        defer { random = r }
        let pool = PoolRecord(name: randomText(&r), dataDevice: randomText(&r), metadataDevice: randomText(&r),
                              dataFile: maybe(&r) { randomText(&$0) }, metadataFile: maybe(&r) { randomText(&$0) },
                              blockSizeSectors: UInt64.random(in: 0...UInt64.max, using: &r),
                              lowWaterMarkBlocks: UInt64.random(in: 0...16, using: &r), dataSectors: UInt64.max,
                              transactionId: UInt64.random(in: 0...UInt64.max, using: &r),
                              nextThinId: UInt32.random(in: 0...UInt32.max, using: &r), createdAt: randomDate(&r))
        let disks = (0..<Int.random(in: 0...3, using: &r)).map { _ in
            var disk = DiskRecord(id: randomText(&r), name: randomText(&r), description: randomText(&r), poolName: pool.name,
                                  thinId: UInt32.random(in: 0...UInt32.max, using: &r), sizeBytes: UInt64.random(in: 0...UInt64.max, using: &r),
                                  createdAt: randomDate(&r), sourceSnapshotId: maybe(&r) { randomText(&$0) })
            disk.backend = Bool.random(using: &r) ? .lvm : .native
            disk.lvUuid = maybe(&r) { randomText(&$0) }
            disk.volumeGroup = maybe(&r) { randomText(&$0) }
            disk.logicalVolume = maybe(&r) { randomText(&$0) }
            disk.missingSince = maybe(&r) { randomDate(&$0) }
            return disk
        }
        let snapshots = (0..<Int.random(in: 0...6, using: &r)).map { _ in
            var snapshot = SnapshotRecord(id: randomText(&r), name: randomText(&r), description: randomText(&r), diskId: randomText(&r),
                                          poolName: pool.name, thinId: UInt32.random(in: 0...UInt32.max, using: &r),
                                          sourceDiskSizeBytes: UInt64.random(in: 0...UInt64.max, using: &r),
                                          createdAt: randomDate(&r), modifiedAt: randomDate(&r),
                                          retentionDays: maybe(&r) { Int.random(in: Int.min...Int.max, using: &$0) },
                                          groupId: maybe(&r) { randomText(&$0) },
                                          holdWindowMicroseconds: Int64.random(in: Int64.min...Int64.max, using: &r))
            snapshot.backend = Bool.random(using: &r) ? .lvm : .native
            snapshot.lvUuid = maybe(&r) { randomText(&$0) }
            snapshot.volumeGroup = maybe(&r) { randomText(&$0) }
            snapshot.logicalVolume = maybe(&r) { randomText(&$0) }
            snapshot.madeOutside = Bool.random(using: &r)
            snapshot.missingSince = maybe(&r) { randomDate(&$0) }
            return snapshot
        }
        let statuses: [SnapshotGroupRecord.Status] = [.progressing, .accomplished, .failed]
        let groups = (0..<Int.random(in: 0...2, using: &r)).map { _ in
            SnapshotGroupRecord(id: randomText(&r), name: randomText(&r), description: randomText(&r), createdAt: randomDate(&r),
                                status: statuses.randomElement(using: &r)!,
                                holdWindowMicroseconds: Int64.random(in: 0...Int64.max, using: &r),
                                diskIds: (0..<Int.random(in: 0...3, using: &r)).map { _ in randomText(&r) })
        }
        return PoolManifest(pool: pool, disks: disks, snapshots: snapshots, groups: groups, writtenAt: randomDate(&r),
                            stateDirectory: maybe(&r) { randomText(&$0) })
    }

    /// The shape of a JSON document: the keys of every object, recursively, with the values left out.
    static func shape(_ value: Any) -> String {
        switch value {
        case let object as [String: Any]:
            "{" + object.keys.sorted().map { "\($0):\(shape(object[$0]!))" }.joined(separator: ",") + "}"
        case let array as [Any]:
            "[" + array.map(shape).joined(separator: ",") + "]"
        default:
            "_"
        }
    }

    @Test func randomManifestsReadBackAsTheyWereWritten() throws {
        var random = SplitMix64(state: 0x6D61_6E69_6665_7374)
        for _ in 0..<400 {
            let manifest = Self.randomManifest(&random)
            let payload = try manifest.encodedJSON()
            #expect(payload.disks == manifest.disks.count && payload.snapshots == manifest.snapshots.count)
            let text = String(decoding: payload.json, as: UTF8.self)
            let decoded = try #require(try? JSONDecoder().decode(PoolManifest.self, from: Data(text.utf8)), "\(text)")
            #expect(decoded == manifest, "\(text)")
        }
    }

    @Test func theMembersAreThoseJSONEncoderWrites() throws {
        var random = SplitMix64(state: 7)
        for _ in 0..<100 {
            let manifest = Self.randomManifest(&random)
            let ours = try JSONSerialization.jsonObject(with: Data(try manifest.encodedJSON().json))
            let foundations = try JSONSerialization.jsonObject(with: JSONEncoder().encode(manifest))
            #expect(Self.shape(ours) == Self.shape(foundations))
        }
    }

    @Test func everyOptionalMemberIsWrittenWhenSet() throws {
        // A record with every optional set: its members are all of JSONEncoder's.
        var random = SplitMix64(state: 11)
        var manifest = Self.randomManifest(&random)
        manifest.pool.dataFile = "d"
        manifest.pool.metadataFile = "m"
        manifest.stateDirectory = "/var/lib/dmsnap"
        var disk = DiskRecord(id: "d", name: "n", description: "", poolName: "p", thinId: 1, sizeBytes: 2,
                              createdAt: Date(), sourceSnapshotId: "s")
        (disk.lvUuid, disk.volumeGroup, disk.logicalVolume, disk.missingSince) = ("u", "vg", "lv", Date())
        var snapshot = SnapshotRecord(id: "s", name: "n", description: "", diskId: "d", poolName: "p", thinId: 2,
                                      sourceDiskSizeBytes: 2, createdAt: Date(), modifiedAt: Date(), retentionDays: 3,
                                      groupId: "g", holdWindowMicroseconds: 4)
        (snapshot.lvUuid, snapshot.volumeGroup, snapshot.logicalVolume, snapshot.missingSince) = ("u", "vg", "lv", Date())
        manifest.disks = [disk]
        manifest.snapshots = [snapshot]
        let ours = try #require(try JSONSerialization.jsonObject(with: Data(try manifest.encodedJSON().json)) as? [String: Any])
        let foundations = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(manifest)) as? [String: Any])
        #expect(Self.shape(ours) == Self.shape(foundations))
        let snapshotKeys = try #require((ours["snapshots"] as? [[String: Any]])?.first).keys
        #expect(snapshotKeys.count == 18, "every SnapshotRecord field: \(snapshotKeys.sorted())")
    }

    @Test func stringsAreEscapedAsGoEscapesThem() {
        #expect(JSONWriter.quoted("a\"b\\c") == #""a\"b\\c""#)
        #expect(JSONWriter.quoted("\u{1}\u{8}\u{9}\n\u{C}\r\u{1F}") == #""\u0001\b\t\n\f\r\u001f""#)
        #expect(JSONWriter.quoted("\u{2028}x\u{2029}") == #""\u2028x\u2029""#)
        #expect(JSONWriter.quoted("</a> & ✓ \u{7F}") == "\"</a> & ✓ \u{7F}\"")
        #expect(JSONWriter.quoted("€") == "\"€\"", "another E2 lead byte passes through")
    }
}
