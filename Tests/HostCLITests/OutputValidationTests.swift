import Foundation
import GRDB
@testable import Snapshots
import Testing

/// Issue 16, item 4: a verb that changes state checks `--output` (its words,
/// and that its table can be printed from the verb's response) before it
/// changes anything. It made the snapshot, then refused the `--output`.
struct OutputValidationTests {
    static let groupId = "ssg-aaaaaaaaaaaaaaaaaaaa"

    /// `--output` words no response can be printed with, and ones that parse
    /// but select no table in a mutating verb's response.
    static let unparsable: [[String]] = [["nonsense"], ["cols="], ["cols=SnapshotId", "num=maybe"], ["rows=Snapshots.Snapshot[]"]]
    static let unprintable: [[String]] = [["cols=SnapshotId", "rows=Snapshots.Snapshot[]"], ["cols=SnapshotId:0"]]

    /// Every ECS verb that changes state, with arguments that reach its change.
    static func mutatingVerbs(_ seeded: SeededState) -> [[String]] {
        [["CreateDisk", "--Size", "1"], ["CreateDisk", "--SnapshotId", seeded.snapshotId],
         ["DeleteDisk", "--DiskId", seeded.secondDiskId],
         ["CreateSnapshot", "--DiskId", seeded.diskId], ["DeleteSnapshot", "--SnapshotId", seeded.snapshotId],
         ["ModifySnapshotAttribute", "--SnapshotId", seeded.snapshotId, "--SnapshotName", "renamed"],
         ["ResetDisk", "--DiskId", seeded.diskId, "--SnapshotId", seeded.snapshotId],
         ["ResetDisks", "--Disk.1.DiskId", seeded.diskId, "--Disk.1.SnapshotId", seeded.snapshotId],
         ["CreateSnapshotGroup", "--DiskId.1", seeded.diskId, "--DiskId.2", seeded.secondDiskId],
         ["DeleteSnapshotGroup", "--SnapshotGroupId", groupId]]
    }

    /// The verbs that only read; their table is checked on the response itself.
    static let readingVerbs: Set = ["DescribeDisks", "DescribeSnapshots", "DescribeSnapshotGroups"]

    @Test func everyECSVerbIsCoveredHere() throws {
        let scratch = try DMSnapBinary.scratchDirectory("outputverbs")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let listed = Set(Self.mutatingVerbs(try SeededState(directory: scratch + "/state")).map { $0[0] }).union(Self.readingVerbs)
        let verbs = Set(try CommandTree(binary: DMSnapBinary.path).leaves.filter(\.isECSVerb).map(\.name))
        #expect(verbs == listed, "a new ECS verb is listed here as mutating (with arguments) or reading")
    }

    @Test func aBadOutputIsRefusedBeforeAnyChange() throws {
        let scratch = try DMSnapBinary.scratchDirectory("output")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let seeded = try SeededState(directory: scratch + "/state")
        try Catalog(stateDirectory: seeded.directory).write { [diskId = seeded.diskId] db in
            try SnapshotGroupRecord(id: Self.groupId, name: "g", description: "", createdAt: Date(timeIntervalSince1970: 1_790_000_000),
                                    status: .accomplished, holdWindowMicroseconds: 1, diskIds: [diskId]).insert(db)
        }
        let watched = ["/dev/mapper", "/dev/dmsnap", "/var/lib/dmsnap"]
        let baseline = try StateFingerprint(directory: seeded.directory, watching: watched)

        let cases = Self.mutatingVerbs(seeded).flatMap { verb in (Self.unparsable + Self.unprintable).map { (verb, $0) } }
            + Self.readingVerbs.sorted().flatMap { verb in Self.unparsable.map { ([verb], $0) } }
        for (verb, output) in cases {
            let command = verb + ["--output"] + output + ["--state-dir", seeded.directory]
            let result = try DMSnapBinary.run(command)
            #expect(result.status != 0 && result.status != nil, "\(command): exit \(String(describing: result.status))")
            #expect(Verdict.problems(result, ecsVerb: true) == [], "\(command): \(result.errorText)")
            #expect(result.errorText.contains(#""Code":"InvalidParameter""#) && result.errorText.contains("--output"),
                    "\(command): refused for its --output, not for what it reached: \(result.errorText)")
            let changes = try StateFingerprint(directory: seeded.directory, watching: watched).differences(from: baseline)
            #expect(changes == [], "\(command) changed the state")
        }
    }

    @Test func aGoodOutputStillPrintsItsTable() throws {
        let scratch = try DMSnapBinary.scratchDirectory("goodoutput")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let seeded = try SeededState(directory: scratch + "/state")
        let result = try DMSnapBinary.run(["DescribeSnapshots", "--DiskId", seeded.diskId, "--output", "cols=SnapshotId,SnapshotName",
                                           "rows=Snapshots.Snapshot[]", "--state-dir", seeded.directory])
        #expect(result.status == 0, "\(result.errorText)")
        #expect(result.outputText.hasPrefix("SnapshotId") && result.outputText.contains(seeded.snapshotId), "\(result.outputText)")
    }
}
