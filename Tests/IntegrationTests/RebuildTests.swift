import DeviceMapper
import Foundation
import Snapshots
import Testing

/// Issue 7, item 4: a lost catalog is rebuilt from the pools' own manifests
/// (`dmsnap recover --rebuild`), keeping every ID, name and size.
@Suite(.serialized)
struct RebuildTests {
    typealias Fixture = CommandLineTests.Fixture

    /// What must survive a rebuild: every field a user or a script keys on.
    static let diskFields = ["DiskId", "DiskName", "Description", "SizeBytes", "CreationTime", "SourceSnapshotId", "PoolName", "Device"]
    static let snapshotFields = ["SnapshotId", "SnapshotName", "Description", "SourceDiskId", "SourceDiskSize", "CreationTime",
                                 "LastModifiedTime", "RetentionDays", "SnapshotGroupId"]

    static func listing(_ cli: CLI) throws -> [String] {
        func rows(_ json: String, _ path: [String], _ fields: [String]) -> [String] {
            var value: Any? = try? JSONSerialization.jsonObject(with: Data(json.utf8))
            for step in path { value = (value as? [String: Any])?[step] }
            return ((value as? [[String: Any]]) ?? []).map { row in fields.map { "\($0)=\(row[$0].map { "\($0)" } ?? "-")" }.joined(separator: " ") }
                .sorted()
        }
        return rows(try cli.succeed(["DescribeDisks"]), ["Disks", "Disk"], diskFields)
            + rows(try cli.succeed(["DescribeSnapshots", "--PageSize", "100"]), ["Snapshots", "Snapshot"], snapshotFields)
    }

    static func loseCatalog(_ fixture: Fixture) throws {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: "\(fixture.stateDirectory)/catalog.sqlite\(suffix)") }
        #expect(!FileManager.default.fileExists(atPath: "\(fixture.stateDirectory)/catalog.sqlite"))
    }

    static func checksum(_ path: String) throws -> String {
        try Rig.shell("head -c 4194304 \(path) | md5sum")
    }

    @Test(.enabled(if: Rig.enabled))
    func aLostCatalogIsRebuiltWithEveryIDNameAndSizeEvenAfterAReboot() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let cli = fixture.cli
        let disk = try fixture.newDisk("web")
        let device = "/dev/mapper/dmsnap-\(disk)"
        try Rig.shell("dd if=/dev/urandom of=\(device) bs=1M count=4 oflag=direct status=none")
        let atSnapshot = try Self.checksum(device)
        let kept = try #require(CLI.field(try cli.succeed(["CreateSnapshot", "--DiskId", disk, "--SnapshotName", "before",
                                                              "--Description", "before the upgrade", "--RetentionDays", "7"]), "SnapshotId") as? String)
        let renamed = try fixture.newSnapshot(disk)
        _ = try cli.succeed(["ModifySnapshotAttribute", "--SnapshotId", renamed, "--SnapshotName", "renamed", "--Description", "new words"])
        _ = try cli.succeed(["CreateDisk", "--SnapshotId", kept, "--DiskName", "clone"])
        try Rig.shell("dd if=/dev/zero of=\(device) bs=1M count=4 oflag=direct status=none")
        let before = try Self.listing(cli)
        #expect(before.count == 4 && before.contains { $0.contains("SnapshotName=renamed") && $0.contains("Description=new words") })

        // The catalog is lost, then the host reboots: every device and loop device of the pool goes.
        try Self.loseCatalog(fixture)
        let deviceMapper = DeviceMapper()
        for name in try deviceMapper.list().map(\.name) where name.hasPrefix("dmsnap-d-") || name.hasPrefix("dmsnap-s-") {
            // Other suites' devices come and go meanwhile.
            if try deviceMapper.tableIfPresent(name)?.first?.parameters.hasPrefix(try poolNumber(fixture) + " ") == true {
                try deviceMapper.remove(name)
            }
        }
        try deviceMapper.remove(try PoolDevice.manifest(fixture.poolName))
        try deviceMapper.remove(try PoolDevice.name(fixture.poolName))
        for file in ["data", "metadata"] {
            try Rig.shell("losetup -j \(fixture.stateDirectory)/pools/\(fixture.poolName)/\(file).img | cut -d: -f1 | xargs -r losetup -d")
        }

        let output = try cli.succeed(["recover", "--rebuild"])
        #expect(output.contains("Started a new, empty catalog"), "\(output)")
        #expect(output.contains("from 1 native pool(s): 2 disk(s), 2 snapshot(s)"), "\(output)")
        #expect(!output.contains("recovered:") && !output.contains("dropped:") && !output.contains("could not place:"), "\(output)")
        #expect(try Self.listing(cli) == before, "the same IDs, names, descriptions, sizes and times")

        _ = try cli.succeed(["ResetDisk", "--DiskId", disk, "--SnapshotId", kept])
        #expect(try Self.checksum(device) == atSnapshot, "a rollback through a rebuilt snapshot restores the disk")
        try Agreement.check(stateDirectory: fixture.stateDirectory, poolName: fixture.poolName)
    }

    /// A snapshot committed in the kernel whose process died before the
    /// catalog and the manifest recorded it, and then the catalog was lost:
    /// the pool still holds it, and the rebuild keeps it as a recovered snapshot.
    @Test(.enabled(if: Rig.enabled))
    func aSnapshotNewerThanTheManifestIsKeptAsRecovered() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let disk = try fixture.newDisk("data")
        let device = "/dev/mapper/dmsnap-\(disk)"
        try Rig.shell("dd if=/dev/urandom of=\(device) bs=1M count=4 oflag=direct status=none")
        let atSnapshot = try Self.checksum(device)
        let crashed = try fixture.cli.run(["CreateSnapshot", "--DiskId", disk], environment: ["DMSNAP_CRASH_AT": "createSnapshot.afterCommit"])
        #expect(crashed.killed, "\(crashed.errors)")
        try Rig.shell("dd if=/dev/zero of=\(device) bs=1M count=4 oflag=direct status=none")
        try Self.loseCatalog(fixture)

        let output = try fixture.cli.succeed(["recover", "--rebuild"])
        #expect(output.contains("recovered: thin device 1 of pool \(fixture.poolName) had no record"), "\(output)")
        let snapshots = try #require(CLI.field(try fixture.cli.succeed(["DescribeSnapshots"]), "Snapshots", "Snapshot") as? [[String: Any]])
        let recovered = try #require(snapshots.first, "\(snapshots)")
        #expect(snapshots.count == 1 && (recovered["SnapshotName"] as? String) == "recovered-\(fixture.poolName)-1")
        #expect((recovered["Description"] as? String)?.contains("recovered by dmsnap recover --rebuild") == true)
        let id = try #require(recovered["SnapshotId"] as? String)
        let exposed = try fixture.cli.succeed(["snapshot", "expose", id]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Self.checksum(exposed) == atSnapshot, "the recovered snapshot holds the disk as it was")
        _ = try fixture.cli.succeed(["snapshot", "hide", id])
        try Agreement.check(stateDirectory: fixture.stateDirectory, poolName: fixture.poolName)
    }

    /// The same crash, but `recover` runs before the catalog is lost: recovery
    /// finishes the snapshot and writes the manifest, so it keeps its ID.
    @Test(.enabled(if: Rig.enabled))
    func recoveryWritesTheManifestACrashLeftBehind() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let disk = try fixture.newDisk()
        let crashed = try fixture.cli.run(["CreateSnapshot", "--DiskId", disk], environment: ["DMSNAP_CRASH_AT": "createSnapshot.afterCommit"])
        #expect(crashed.killed, "\(crashed.errors)")
        #expect(try fixture.cli.succeed(["recover"]).contains("finished createSnapshot"))
        let before = try Self.listing(fixture.cli)
        try Self.loseCatalog(fixture)
        let output = try fixture.cli.succeed(["recover", "--rebuild"])
        #expect(!output.contains("recovered:"), "\(output)")
        #expect(try Self.listing(fixture.cli) == before)
    }

    /// `activate` writes a manifest for a pool whose manifest device holds
    /// none (a pool made before dmsnap kept manifests, here both slots wiped),
    /// and leaves an intact one as it is: judged by the slots' checksums.
    @Test(.enabled(if: Rig.enabled))
    func activateWritesAManifestWhereNoneIsAndLeavesAnIntactOneAlone() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let disk = try fixture.newDisk()
        _ = try fixture.newSnapshot(disk)
        let device = "/dev/mapper/\(try PoolDevice.manifest(fixture.poolName))"
        let written = try Self.slotGenerations(device)
        #expect(written[0] != nil && written[1] != nil, "each change wrote the other slot: \(written)")

        _ = try fixture.cli.succeed(["activate"])
        #expect(try Self.slotGenerations(device) == written, "an intact manifest is not written again")

        for slot in 0..<2 {
            try Rig.shell("dd if=/dev/zero of=\(device) bs=4096 count=1 seek=\(slot * (1 << 30) / 4096) oflag=direct status=none")
        }
        #expect(try Self.slotGenerations(device) == [nil, nil])
        let before = try Self.listing(fixture.cli)
        _ = try fixture.cli.succeed(["activate"])
        #expect(try Self.slotGenerations(device) == [1, nil], "a first manifest, in the first slot")
        try Self.loseCatalog(fixture)
        let output = try fixture.cli.succeed(["recover", "--rebuild"])
        #expect(output.contains("from 1 native pool(s): 1 disk(s), 1 snapshot(s)"), "\(output)")
        #expect(try Self.listing(fixture.cli) == before, "the manifest activate wrote holds the pool's records")
    }

    /// The generation in each slot's header of a manifest device, nil where a
    /// slot does not start with the manifest magic.
    static func slotGenerations(_ device: String) throws -> [UInt64?] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: device))
        defer { try? handle.close() }
        return try [0, 1 << 30].map { (offset: UInt64) -> UInt64? in
            try handle.seek(toOffset: offset)
            let header = [UInt8](try handle.read(upToCount: 32) ?? Data())
            guard header.count == 32, header.starts(with: Array("DMSNAPMF".utf8)) else { return nil }
            return header[16..<24].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
    }

    /// Two state directories on one host (as the suites themselves run): a
    /// rebuild in one leaves the other's pools alone and names them and their
    /// catalog; a `--pool` that names no pool is refused and changes nothing.
    @Test(.enabled(if: Rig.enabled))
    func aRebuildLeavesThePoolsOfAnotherStateDirectoryAlone() throws {
        let ours = try Fixture()
        defer { ours.close() }
        let theirs = try Fixture()
        defer { theirs.close() }
        _ = try ours.newSnapshot(try ours.newDisk("ours"))
        _ = try theirs.newSnapshot(try theirs.newDisk("theirs"))
        let theirsBefore = try theirs.state()
        let before = try Self.listing(ours.cli)
        try Self.loseCatalog(ours)

        let unknown = try ours.cli.run(["recover", "--rebuild", "--pool", "nosuchpool"])
        #expect(unknown.status != 0 && unknown.errors.contains("no dmsnap pool named nosuchpool"), "\(unknown.errors)")
        #expect(try theirs.state() == theirsBefore)

        let output = try ours.cli.succeed(["recover", "--rebuild"])
        #expect(output.contains("left alone: pool \(theirs.poolName): its manifest says it belongs to the catalog in \(theirs.stateDirectory)"),
                "\(output)")
        #expect(!output.contains("recovered:"), "\(output)")
        #expect(try Self.listing(ours.cli) == before)
        #expect(try theirs.state() == theirsBefore, "the other state directory's catalog and pool are untouched")
        try Agreement.check(stateDirectory: ours.stateDirectory, poolName: ours.poolName)
        try Agreement.check(stateDirectory: theirs.stateDirectory, poolName: theirs.poolName)
    }

    /// `--pool NAME` is the administrator saying a pool is this directory's
    /// although its manifest names another (a state directory that moved).
    @Test(.enabled(if: Rig.enabled))
    func aRebuildWithPoolTakesAPoolWhoseManifestNamesAnotherStateDirectory() throws {
        let ours = try Fixture()
        defer { ours.close() }
        let theirs = try Fixture()
        defer { theirs.close() }
        _ = try ours.newSnapshot(try ours.newDisk("ours"))
        let theirDisk = try theirs.newDisk("theirs")
        let theirSnapshot = try theirs.newSnapshot(theirDisk)
        let before = try Self.listing(ours.cli)
        try Self.loseCatalog(ours)

        let output = try ours.cli.succeed(["recover", "--rebuild", "--pool", theirs.poolName])
        #expect(!output.contains("left alone: pool \(theirs.poolName)"), "\(output)")
        #expect(output.contains("from 2 native pool(s)"), "\(output)")
        let after = try Self.listing(ours.cli)
        #expect(Set(before).isSubset(of: Set(after)), "our own disks and snapshots are back as they were")
        #expect(after.contains { $0.hasPrefix("DiskId=\(theirDisk) ") && $0.contains("PoolName=\(theirs.poolName)") }, "\(after)")
        #expect(after.contains { $0.hasPrefix("SnapshotId=\(theirSnapshot) ") }, "\(after)")
        try Agreement.check(stateDirectory: ours.stateDirectory, poolName: ours.poolName)
        try Agreement.check(stateDirectory: ours.stateDirectory, poolName: theirs.poolName)
    }

    @Test(.enabled(if: Rig.enabled))
    func aRebuildOverAReadableCatalogIsRefusedAndChangesNothing() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let disk = try fixture.newDisk("kept")
        _ = try fixture.newSnapshot(disk)
        let catalog = "\(fixture.stateDirectory)/catalog.sqlite"
        let before = try fixture.state()
        let bytesBefore = try Data(contentsOf: URL(fileURLWithPath: catalog))
        let refused = try fixture.cli.run(["recover", "--rebuild"])
        #expect(refused.status == 1)
        #expect(refused.errors.contains("the catalog \(catalog) can be read and holds 1 pool, 1 disk, 1 snapshot"), "\(refused.errors)")
        #expect(refused.errors.contains("changed nothing") && refused.errors.contains("move it aside"))
        #expect(refused.output.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: catalog)) == bytesBefore)
        #expect(try fixture.state() == before)
    }

    private func poolNumber(_ fixture: Fixture) throws -> String {
        try #require(try DeviceMapper().info(try PoolDevice.name(fixture.poolName))).number.description
    }
}
