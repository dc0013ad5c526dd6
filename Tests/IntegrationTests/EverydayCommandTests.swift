import DeviceMapper
import Foundation
import Snapshots
import Testing

/// The everyday spelling as an administrator types it, end to end: tables,
/// `--json` that prints what DescribeDisks and DescribeSnapshots give, the
/// device paths, a rollback refused while mounted and done once unmounted,
/// a clone, and `dmsnap activate` after the disk's device is gone.
@Suite(.serialized)
struct EverydayCommandTests {
    static func object(_ json: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "not a JSON object: \(json)")
    }

    @Test(.enabled(if: Rig.enabled))
    func aDisksLifeThroughTheEverydayCommands() throws {
        let fixture = try CommandLineTests.Fixture()
        let cli = fixture.cli, mountPoint = "/tmp/\(Rig.uniqueName("everyday"))", name = Rig.uniqueName("web")
        defer {
            _ = try? Rig.shell("umount \(mountPoint) 2>/dev/null; rmdir \(mountPoint) 2>/dev/null; true")
            fixture.close()
        }
        let disk = try Self.object(try cli.succeed(["disk", "create", "64M", "--name", name, "--json"]))
        let id = try #require(disk["DiskId"] as? String)
        let device = "/dev/mapper/dmsnap-\(id)"
        #expect(disk["Device"] as? String == device && disk["ReadableDevice"] as? String == "/dev/dmsnap/\(name)", "\(disk)")
        #expect(disk["SizeBytes"] as? Int == 64 << 20 && disk["PoolName"] as? String == fixture.poolName)
        #expect(try Rig.shell("readlink -f /dev/dmsnap/\(name)") == (try Rig.shell("readlink -f \(device)")), "the readable link")
        let table = try cli.succeed(["disks"])
        #expect(table.hasPrefix("DISK") && table.contains(id) && table.contains(device), "\(table)")

        try Rig.shell("mkfs.ext4 -q \(device) && mkdir -p \(mountPoint) && mount \(device) \(mountPoint) && echo before > \(mountPoint)/f")
        let snapshot = try Self.object(try cli.succeed(["snapshot", "create", name, "--name", "before", "--json"]))
        let snapshotId = try #require(snapshot["SnapshotId"] as? String)
        #expect(snapshot["SourceDiskId"] as? String == id && snapshot["SnapshotName"] as? String == "before", "\(snapshot)")
        #expect(try cli.succeed(["snapshots"]).contains(snapshotId))
        try Rig.shell("echo after > \(mountPoint)/f && sync")

        let refused = try cli.run(["ResetDisk", "--DiskId", id, "--SnapshotId", snapshotId])
        let error = try Self.object(refused.errors)
        #expect(refused.status != 0 && error["Code"] as? String == "IncorrectDiskStatus", "\(refused.errors)")
        #expect((error["Message"] as? String)?.contains(mountPoint) == true, "the mount point is named: \(refused.errors)")
        let everyday = try cli.run(["rollback", name, "before"])
        #expect(everyday.status == 1 && everyday.errors.hasPrefix("dmsnap: error:") && everyday.errors.contains(mountPoint))

        try Rig.shell("umount \(mountPoint)")
        let rolledBack = try Self.object(try cli.succeed(["rollback", name, "before", "--json"]))
        #expect(rolledBack["DiskId"] as? String == id && rolledBack["Device"] as? String == device)
        try Rig.shell("mount \(device) \(mountPoint)")
        #expect(try String(contentsOfFile: "\(mountPoint)/f", encoding: .utf8) == "before\n", "rolled back")
        try Rig.shell("umount \(mountPoint)")

        for (flags, says) in [(["--Size", "5"], "snapshot's size"), (["--PoolName", "elsewhere"], "snapshot's pool")] {
            let refusedClone = try cli.run(["CreateDisk", "--SnapshotId", snapshotId] + flags)
            let code = try Self.object(refusedClone.errors)["Code"] as? String
            #expect(refusedClone.status != 0 && refusedClone.errors.contains(says) && code == "InvalidParameter", "\(refusedClone.errors)")
        }
        let clone = try Self.object(try cli.succeed(["clone", "before", "--name", "\(name)-copy", "--json"]))
        let cloneDevice = try #require(clone["Device"] as? String)
        #expect(clone["SourceSnapshotId"] as? String == snapshotId && FileManager.default.fileExists(atPath: cloneDevice), "\(clone)")

        // A reboot, for this disk: its device is gone; activate brings it back with its data.
        try DeviceMapper().remove("dmsnap-\(id)")
        let activated = try cli.succeed(["activate"])
        #expect(activated.contains(id) && !activated.contains(clone["DiskId"] as? String ?? "?"), "only what was missing: \(activated)")
        try Rig.shell("mount -o ro \(device) \(mountPoint)")
        #expect(try String(contentsOfFile: "\(mountPoint)/f", encoding: .utf8) == "before\n")
        try Rig.shell("umount \(mountPoint)")
        #expect(try cli.succeed(["activate"]).contains("already active"))
    }

    /// The main job, `Scripts/demo`, runs its steps in the rig as they are
    /// (on the built binary) and finds its files restored.
    @Test(.enabled(if: Rig.enabled))
    func theDemoRestoresTheFilesItBroke() throws {
        try Rig.requireKernel()
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let output = try Rig.shell("DMSNAP_DEMO_DISK=\(Rig.uniqueName("demo")) \(repository)/Scripts/demo-steps \(CLI.binary)")
        #expect(output.contains("(refused, as it should be)"), "a mounted disk is not rolled back: \(output)")
        #expect(output.contains("restored: every file matches its checksum from before the change"), "\(output)")
        #expect(output.contains("restored from the repository: every file matches its checksum"), "\(output)")
        #expect(output.contains("incremental from"), "the second copy is incremental: \(output)")
        #expect(output.contains("before-upgrade") && output.contains("Demo finished"), "\(output)")
    }
}
