import Foundation
import Testing

/// Issue 16, item 10: one name whatever its bytes, and no name that looks like an ID.
@Suite(.serialized)
struct NameTests {
    typealias Fixture = CommandLineTests.Fixture

    /// "café" typed with a combining accent (NFD) and precomposed (NFC) is one
    /// name: one /dev/dmsnap link, in NFC; the second disk is refused; either
    /// spelling, or the link by either, finds the disk.
    @Test(.enabled(if: Rig.enabled))
    func cafeInItsTwoByteFormsIsOneNameAndOneLink() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let tag = UInt32.random(in: 0...UInt32.max)
        let decomposed = "cafe\u{301}-\(tag)", precomposed = "caf\u{E9}-\(tag)"
        #expect(Array(decomposed.utf8) != Array(precomposed.utf8))
        let disk = try #require(CLI.field(try fixture.cli.succeed(["disk", "create", "16M", "--name", decomposed, "--json"]), "DiskId") as? String)
        defer { _ = try? fixture.cli.run(["DeleteDisk", "--DiskId", disk]) }

        let links = try FileManager.default.contentsOfDirectory(atPath: "/dev/dmsnap").filter { $0.hasSuffix("-\(tag)") }
        #expect(links.map { Array($0.utf8) } == [Array(precomposed.utf8)], "one link, named in NFC: \(links)")
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: "/dev/dmsnap/\(precomposed)")
        #expect(target.hasSuffix("dmsnap-\(disk)"), "\(target)")

        let again = try fixture.cli.run(["disk", "create", "16M", "--name", precomposed])
        #expect(again.status != 0 && again.errors.contains("already exists"), "\(again.errors)")
        for reference in [decomposed, precomposed, "/dev/dmsnap/\(decomposed)", "/dev/dmsnap/\(precomposed)"] {
            let snapshot = try fixture.cli.succeed(["snapshot", "create", reference, "--json"])
            #expect(CLI.field(snapshot, "SourceDiskId") as? String == disk, "\(reference): \(snapshot)")
        }
        let described = try fixture.cli.succeed(["DescribeDisks"])
        // Bytes, not Strings: Swift compares Strings up to canonical equivalence, which is the point here.
        let bytes = Data(described.utf8)
        #expect(bytes.range(of: Data(precomposed.utf8)) != nil && bytes.range(of: Data(decomposed.utf8)) == nil, "stored in NFC")
    }

    /// A name of an ID's form would point at another disk (`snapshot create NAME`
    /// takes it as an ID), or at none (`d-notanid`): refused, nothing changed.
    @Test(.enabled(if: Rig.enabled))
    func namesThatLookLikeIDsAreRefused() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let other = try fixture.newDisk("other")
        let snapshot = try fixture.newSnapshot(other)
        let before = try fixture.state()
        for attempt in [["disk", "create", "16M", "--name", other], ["disk", "create", "16M", "--name", "d-notanid"],
                        ["CreateDisk", "--Size", "1", "--DiskName", "D-Upper"],
                        ["CreateSnapshot", "--DiskId", other, "--SnapshotName", "s-x"],
                        ["ModifySnapshotAttribute", "--SnapshotId", snapshot, "--SnapshotName", "ssg-x"],
                        ["ModifySnapshotAttribute", "--SnapshotId", snapshot, "--SnapshotName", "autoRenamed"],
                        ["CreateSnapshotGroup", "--DiskId.1", other, "--Name", "autogroup"],
                        ["clone", snapshot, "--name", "i-host"]] {
            let refused = try fixture.cli.run(attempt)
            // ECS verbs give the code, the everyday commands the sentence.
            #expect(refused.status != 0 && (refused.errors.contains("InvalidName") || refused.errors.contains("must not look like an ID")),
                    "\(attempt): \(refused.errors)")
        }
        #expect(try fixture.state() == before)
    }
}
