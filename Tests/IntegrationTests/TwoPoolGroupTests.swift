import DeviceMapper
import Foundation
import Snapshots
import Testing

/// Snapshot groups over two native pools, p and q, one disk in each (issue
/// 16, items 6 and 7): a group killed between its per-pool commits keeps
/// nothing, and a rollback that one pool cannot take is refused before either
/// disk is rolled back.
@Suite(.serialized)
struct TwoPoolGroupTests {
    final class Fixture {
        let stateDirectory = "/tmp/\(Rig.uniqueName("twopools"))"
        let pools = [Rig.uniqueName("p"), Rig.uniqueName("q")]
        let cli: CLI
        /// dp in pool p, dq in pool q.
        var disks: [String] = []

        init() throws {
            try Rig.requireKernel()
            cli = CLI(stateDirectory: stateDirectory)
            for pool in pools {
                _ = try cli.succeed(["pool", "create", pool, "--file-backed", "128M"])
                let created = try cli.succeed(["CreateDisk", "--Size", "1", "--PoolName", pool])
                disks.append(try #require(CLI.field(created, "DiskId") as? String))
            }
        }

        func device(_ disk: String) throws -> String {
            let listing = try cli.succeed(["DescribeDisks"])
            let all = try #require(CLI.field(listing, "Disks", "Disk") as? [[String: Any]])
            return try #require(all.first { $0["DiskId"] as? String == disk }?["Device"] as? String)
        }

        /// Fills the first 4 MiB of every disk with fresh random data; returns each disk's checksum.
        func write() throws -> [String] {
            try disks.map { disk in
                let device = try device(disk)
                try Rig.shell("dd if=/dev/urandom of=\(device) bs=1M count=4 oflag=direct status=none")
                return try checksum(device)
            }
        }

        func checksums() throws -> [String] { try disks.map { try checksum(try device($0)) } }

        private func checksum(_ device: String) throws -> String {
            try Rig.shell("dd if=\(device) bs=1M count=4 iflag=direct status=none | md5sum | cut -d' ' -f1")
        }

        /// The thin-pool device under a disk, found through the disk's thin
        /// line (`thin MAJ:MIN ID`), whatever the pool's device is named.
        func poolDevice(of disk: String) throws -> String {
            let name = URL(fileURLWithPath: try device(disk)).lastPathComponent
            let line = try #require(try DeviceMapper().table(name).first)
            let pool = try #require(line.parameters.split(separator: " ").first)
            return try Rig.shell("cat /sys/dev/block/\(pool)/dm/name").trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func groups() throws -> [[String: Any]] {
            try #require(CLI.field(try cli.succeed(["DescribeSnapshotGroups"]), "SnapshotGroups", "SnapshotGroup") as? [[String: Any]])
        }

        func snapshotCount() throws -> Int? {
            CLI.field(try cli.succeed(["DescribeSnapshots", "--PageSize", "100"]), "TotalCount") as? Int
        }

        func close() {
            if let service = try? SnapshotService(stateDirectory: stateDirectory, lvmScope: .only([])) {
                for snapshot in (try? service.describeSnapshots()) ?? [] { try? service.deleteSnapshot(snapshot.id) }
                for disk in (try? service.describeDisks()) ?? [] { try? service.deleteDisk(disk.record.id) }
                for pool in pools { try? service.deletePool(name: pool) }
            }
            try? FileManager.default.removeItem(atPath: stateDirectory)
        }
    }

    /// Killed after pool p's commit and before pool q's: recovery finishes p's
    /// member and undoes q's, so the group fails, and a failed group keeps
    /// nothing: p's member is deleted too (it used to stay, in a group that
    /// `group rollback` refuses).
    @Test(.enabled(if: Rig.enabled))
    func aGroupKilledBetweenItsPoolCommitsFailsAndKeepsNothing() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        _ = try fixture.write()
        let crashed = try fixture.cli.run(["CreateSnapshotGroup", "--DiskId.1", fixture.disks[0], "--DiskId.2", fixture.disks[1]],
                                          environment: ["DMSNAP_CRASH_AT": "createSnapshotGroup.afterCommit"])
        #expect(crashed.killed, "killed after the first pool's commit: \(crashed.status) \(crashed.errors)")

        let recovered = try fixture.cli.succeed(["recover"])
        let groups = try fixture.groups()
        #expect(groups.count == 1)
        #expect(groups.first?["Status"] as? String == "failed", "\(recovered)")
        #expect((groups.first?["Snapshots"] as? [String: Any])?["Snapshot"] as? [Any] == nil
                || ((groups.first?["Snapshots"] as? [String: Any])?["Snapshot"] as? [Any])?.isEmpty == true,
                "the failed group holds no snapshot: \(groups)")
        #expect(try fixture.snapshotCount() == 0, "no snapshot is left of the group")
        for pool in fixture.pools {
            try Agreement.check(stateDirectory: fixture.stateDirectory, poolName: pool)
        }
        // The tool goes on: the same group can be taken again.
        _ = try fixture.cli.succeed(["CreateSnapshotGroup", "--DiskId.1", fixture.disks[0], "--DiskId.2", fixture.disks[1]])
        #expect(try fixture.snapshotCount() == 2)
    }

    /// Pool q made read-only after the group: ResetDisks of both pairs, and
    /// `group rollback`, are refused (IncorrectPoolStatus) before dp is
    /// rolled back, so both disks still read what was written after the group.
    @Test(.enabled(if: Rig.enabled))
    func aRollbackOnePoolCannotTakeRollsBackNoDisk() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let atGroup = try fixture.write()
        let created = try fixture.cli.succeed(["CreateSnapshotGroup", "--DiskId.1", fixture.disks[0], "--DiskId.2", fixture.disks[1]])
        let groupId = try #require(CLI.field(created, "SnapshotGroupId") as? String)
        let members = try #require(((fixture.groups().first?["Snapshots"] as? [String: Any])?["Snapshot"] as? [[String: Any]]))
        let snapshotOf = Dictionary(uniqueKeysWithValues: members.compactMap { member in
            (member["SourceDiskId"] as? String).map { ($0, member["SnapshotId"] as? String ?? "") }
        })
        let overwritten = try fixture.write()
        #expect(overwritten != atGroup)

        let poolQ = try fixture.poolDevice(of: fixture.disks[1])
        try FaultTests.Fixture.reloadPool(poolQ, features: ["read_only"])
        #expect(try DeviceMapper().thinPoolStatus(poolQ).mode == .readOnly)
        var pairs: [String] = []
        for (index, disk) in fixture.disks.enumerated() {
            pairs += ["--Disk.\(index + 1).DiskId", disk, "--Disk.\(index + 1).SnapshotId", snapshotOf[disk] ?? "?"]
        }
        let refused = try fixture.cli.run(["ResetDisks"] + pairs)
        #expect(refused.status != 0 && refused.errors.contains("IncorrectPoolStatus") && refused.errors.contains(fixture.pools[1]),
                "\(refused.errors)")
        #expect(try fixture.checksums() == overwritten, "neither disk was rolled back")
        let groupRefused = try fixture.cli.run(["group", "rollback", groupId])
        #expect(groupRefused.status != 0 && groupRefused.errors.contains("read-only"), "\(groupRefused.errors)")
        #expect(try fixture.checksums() == overwritten, "neither disk was rolled back by the group either")

        // With q writable again, the same rollback takes both disks back.
        try FaultTests.Fixture.reloadPool(poolQ, features: [])
        _ = try fixture.cli.succeed(["ResetDisks"] + pairs)
        #expect(try fixture.checksums() == atGroup)
        for pool in fixture.pools {
            try Agreement.check(stateDirectory: fixture.stateDirectory, poolName: pool)
        }
    }
}
