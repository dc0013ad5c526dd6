import DeviceMapper
import Foundation
import Snapshots
import Testing

/// Issue 17, items 4 and 5: a copied snapshot's local thin device released to
/// give its pool space back, the snapshot still listed and restored from its
/// repository (CreateDisk, ResetDisk), refusals that change nothing, kill -9
/// and a damaged chunk during a rollback from the repository, and ECS's
/// InstantAccess false releasing once the background copy is accomplished.
@Suite(.serialized)
struct SnapshotReleaseTests {
    typealias Host = SnapshotCopyTests.Host

    static func sha256(_ device: String) throws -> String {
        try Rig.shell("sha256sum < \(device) | cut -d' ' -f1").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The pool's data blocks in use, from its status line.
    static func usedDataBlocks(_ host: Host) throws -> Int {
        let fields = try Rig.shell("dmsetup status \(try PoolDevice.name(host.poolName))").split(separator: " ")
        return try #require(fields.count > 5 ? Int(fields[5].split(separator: "/")[0]) : nil, "\(fields)")
    }

    /// A refusal: non-zero exit, and standard error names the snapshot and `cause`.
    static func refused(_ result: CLI.Result, naming snapshot: String, cause: String) {
        #expect(result.status != 0, "refused")
        #expect(result.errors.contains(snapshot) && result.errors.contains(cause), "\(result.errors)")
    }

    /// Where the test is, with the time: a slow step under TCG shows in the log.
    static func step(_ name: String) {
        print("release test \(Date()): \(name)")
    }

    @Test(.enabled(if: Rig.enabled))
    func aReleasedSnapshotStaysListedAndIsRestoredFromItsRepository() throws {
        let host = try Host(poolSize: "256M")
        let repository = "/tmp/\(Rig.uniqueName("relrepo"))"
        defer { _ = try? Rig.shell("rm -rf \(repository)"); host.close() }
        let disk = try #require(CLI.field(try host.cli.succeed(["disk", "create", "64M", "--json"]), "DiskId") as? String)
        let device = "/dev/mapper/dmsnap-\(disk)"
        try Rig.shell("dd if=/dev/urandom of=\(device) bs=1M count=8 oflag=direct status=none")
        let atSnapshot = try Self.sha256(device)
        let snapshot = try host.snapshot(disk)

        Self.step("1: Not copied yet: refused, nothing chan")
        // Not copied yet: refused, nothing changed.
        Self.refused(try host.cli.run(["snapshot", "release", snapshot]), naming: snapshot, cause: "no accomplished copy")
        #expect(try host.describe(snapshot)["InstantAccess"] as? Bool == true)

        _ = try host.cli.succeed(["repository", "add", "rel", repository])
        _ = try host.cli.succeed(["snapshot", "copy", snapshot, "--to", "rel", "--wait"])
        Self.step("2: Exposed: refused, nothing changed.")
        // Exposed: refused, nothing changed.
        _ = try host.cli.succeed(["snapshot", "expose", snapshot])
        Self.refused(try host.cli.run(["snapshot", "release", snapshot]), naming: snapshot, cause: "exposed")
        _ = try host.cli.succeed(["snapshot", "hide", snapshot])

        Self.step("3: The disk moves on: the snapshot alone")
        // The disk moves on: the snapshot alone holds the old 8 MiB, which the release gives back.
        try Rig.shell("dd if=/dev/urandom of=\(device) bs=1M count=8 oflag=direct status=none")
        let before = try Self.usedDataBlocks(host)
        _ = try host.cli.succeed(["snapshot", "release", snapshot])
        let after = try Self.usedDataBlocks(host)
        #expect(after < before, "the pool's used data blocks went down: \(before) -> \(after)")
        let described = try host.describe(snapshot)
        #expect(described["InstantAccess"] as? Bool == false && described["Available"] as? Bool == true, "\(described)")
        #expect(described["Status"] as? String == "accomplished" && described["SourceDiskId"] as? String == disk, "\(described)")
        #expect(try host.cli.succeed(["snapshots", disk]).contains("released"))
        try Agreement.check(stateDirectory: host.stateDirectory, poolName: host.poolName)
        Self.refused(try host.cli.run(["snapshot", "expose", snapshot]), naming: snapshot, cause: "no local device")
        Self.refused(try host.cli.run(["snapshot", "release", snapshot]), naming: snapshot, cause: "released already")

        Self.step("4: CreateDisk from it comes from the rep")
        // CreateDisk from it comes from the repository, byte for byte.
        let made = try #require(CLI.field(try host.cli.succeed(["CreateDisk", "--SnapshotId", snapshot]), "DiskId") as? String)
        #expect(try Self.sha256("/dev/mapper/dmsnap-\(made)") == atSnapshot)
        _ = try host.cli.succeed(["DeleteDisk", "--DiskId", made])

        Self.step("5: kill -9 midway through a rollback fro")
        // kill -9 midway through a rollback from the repository: the next command
        // deletes the scratch device and the disk is as it was.
        let moved = try Self.sha256(device)
        let killed = try host.cli.run(["ResetDisk", "--DiskId", disk, "--SnapshotId", snapshot],
                                      environment: ["DMSNAP_CRASH_AT": "resetFromRepository.duringRestore"])
        #expect(killed.killed, "\(killed.errors)")
        #expect(try host.cli.succeed(["recover"]).contains("undid resetFromRepository \(disk)"))
        #expect(try Self.sha256(device) == moved)
        #expect(try DeviceMapper().info("dmsnap-\(disk)-restoring") == nil, "no scratch device left")
        try Agreement.check(stateDirectory: host.stateDirectory, poolName: host.poolName)

        Self.step("7: ResetDisk to it: from the repository,")
        // ResetDisk to it: from the repository, byte for byte, the snapshot kept.
        _ = try host.cli.succeed(["ResetDisk", "--DiskId", disk, "--SnapshotId", snapshot])
        #expect(try Self.sha256(device) == atSnapshot)
        #expect(try host.describe(snapshot)["InstantAccess"] as? Bool == false)
        try Agreement.check(stateDirectory: host.stateDirectory, poolName: host.poolName)

        Self.step("8: InstantAccess needs a copy target; re")
        // InstantAccess needs a copy target; refused without one, nothing made.
        let count = try host.cli.succeed(["snapshots", disk]).split(separator: "\n").count
        Self.refused(try host.cli.run(["CreateSnapshot", "--DiskId", disk, "--InstantAccess", "false"]),
                     naming: "repository", cause: "InstantAccess")
        #expect(try host.cli.succeed(["snapshots", disk]).split(separator: "\n").count == count)

        Self.step("9: InstantAccess false: the background c")
        // InstantAccess false: the background copy releases the local device once accomplished,
        Self.step("10: and the copy is full (the disk's only")
        // and the copy is full (the disk's only earlier snapshot was released: thin_delta cannot read it).
        _ = try host.cli.succeed(["repository", "remove", "rel"])
        _ = try host.cli.succeed(["repository", "add", "rel", repository, "--default"])
        try Rig.shell("dd if=/dev/urandom of=\(device) bs=1M count=4 oflag=direct status=none")
        let second = try #require(CLI.field(try host.cli.succeed(["CreateSnapshot", "--DiskId", disk, "--InstantAccess", "false"]),
                                            "SnapshotId") as? String)
        var secondDescribed = try host.describe(second)
        for _ in 0..<600 where secondDescribed["InstantAccess"] as? Bool == true {
            usleep(200_000)
            secondDescribed = try host.describe(second)
        }
        #expect(secondDescribed["InstantAccess"] as? Bool == false && secondDescribed["Status"] as? String == "accomplished",
                "\(secondDescribed)")
        let copy = try host.json(["snapshot", "copy", second, "--json"])
        #expect(copy["baseSnapshotId"] == nil, "a full copy: \(copy)")

        Self.step("11: A damaged chunk: the rollback is refu")
        // A damaged chunk: the rollback is refused naming the snapshot, the offset and the chunk; the disk unchanged.
        try Rig.shell("dd if=/dev/urandom of=\(device) bs=1M count=2 oflag=direct status=none")
        let current = try Self.sha256(device)
        try Rig.shell("for f in $(find \(repository)/chunks -type f); do printf 'damage' | dd of=$f bs=1 seek=16 conv=notrunc status=none; done")
        let damaged = try host.cli.run(["ResetDisk", "--DiskId", disk, "--SnapshotId", snapshot])
        Self.refused(damaged, naming: snapshot, cause: "offset")
        #expect(damaged.errors.contains("chunk") && damaged.errors.contains("left as it was"), "\(damaged.errors)")
        #expect(try Self.sha256(device) == current)
        #expect(try DeviceMapper().info("dmsnap-\(disk)-restoring") == nil, "no scratch device left")
        try Agreement.check(stateDirectory: host.stateDirectory, poolName: host.poolName)

        Self.step("12: DeleteSnapshot of a released snapshot")
        // DeleteSnapshot of a released snapshot deletes its record and its copy's manifest; nothing local.
        let manifest = "\(repository)/snapshots/\(snapshot).json"
        #expect(FileManager.default.fileExists(atPath: manifest))
        _ = try host.cli.succeed(["DeleteSnapshot", "--SnapshotId", snapshot])
        #expect(!FileManager.default.fileExists(atPath: manifest), "its manifest was deleted")
        #expect(try host.cli.run(["DescribeSnapshots", "--SnapshotIds", "[\"\(snapshot)\"]"]).output.contains(snapshot) == false)
    }
}
