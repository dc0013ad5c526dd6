import Foundation
import Testing

/// Issue 16, item 4, against the kernel: a bad `--output` refuses the verb
/// before its change. CreateSnapshot made the snapshot and DeleteSnapshot
/// deleted it, then each refused its `--output`.
struct OutputRefusalTests {
    typealias Fixture = CommandLineTests.Fixture

    @Test(.enabled(if: Rig.enabled))
    func aBadOutputNeitherCreatesNorDeletesASnapshot() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let disk = try fixture.newDisk()
        let kept = try fixture.newSnapshot(disk)
        let before = try fixture.state()
        let refusals: [[String]] = [
            ["CreateSnapshot", "--DiskId", disk, "--output", "nonsense"],
            ["CreateSnapshot", "--DiskId", disk, "--output", "cols=SnapshotId", "rows=Snapshots.Snapshot[]"],
            ["DeleteSnapshot", "--SnapshotId", kept, "--output", "cols="],
            ["ResetDisk", "--DiskId", disk, "--SnapshotId", kept, "--output", "cols=RequestId:0"],
        ]
        for command in refusals {
            let result = try fixture.cli.run(command)
            #expect(result.status != 0 && result.errors.contains(#""Code":"InvalidParameter""#) && result.errors.contains("--output"),
                    "\(command): \(result.errors)")
            #expect(try fixture.state() == before, "\(command) changed nothing")
        }
        let table = try fixture.cli.succeed(["CreateSnapshot", "--DiskId", disk, "--output", "cols=SnapshotId"])
        #expect(table.hasPrefix("SnapshotId\n----------\ns-"), "a good --output still prints its table after the change: \(table)")
    }
}
