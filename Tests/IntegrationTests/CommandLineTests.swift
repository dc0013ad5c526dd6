import DeviceMapper
import Foundation
import Snapshots
import Testing

/// The CLI against the real kernel: ECS output, bad input, and kill -9 at every
/// step of the multi-step operations followed by `dmsnap recover`.
@Suite(.serialized)
struct CommandLineTests {
    final class Fixture {
        let stateDirectory = "/tmp/\(Rig.uniqueName("cli"))"
        let poolName = Rig.uniqueName("c")
        let cli: CLI

        init() throws {
            try Rig.requireKernel()
            cli = CLI(stateDirectory: stateDirectory)
            _ = try cli.succeed(["pool", "create", poolName, "--file-backed", "256M"])
        }

        func newDisk(_ name: String? = nil) throws -> String {
            let output = try cli.succeed(["CreateDisk", "--Size", "1"] + (name.map { ["--DiskName", $0] } ?? []))
            return try #require(CLI.field(output, "DiskId") as? String)
        }

        func newSnapshot(_ disk: String) throws -> String {
            try #require(CLI.field(try cli.succeed(["CreateSnapshot", "--DiskId", disk]), "SnapshotId") as? String)
        }

        /// The catalog, the pool's transaction id and its thin devices, to show that a
        /// refused command changed nothing. (Not the global device list: other
        /// suites run beside this one.)
        func state() throws -> String {
            // Nor a disk's In_use/Available: that is its open count, which LVM's and udev's
            // scans for the suites beside this one raise for an instant (a RebuildTests failure).
            let withoutRequestIds = { (text: String) in
                text.replacingOccurrences(of: #""RequestId" ?: ?"[^"]*""#, with: "", options: .regularExpression)
                    .replacingOccurrences(of: #""Status" ?: ?"(In_use|Available)""#, with: "", options: .regularExpression)
            }
            let thinIds = try Agreement.thinIds(pool: try PoolDevice.name(poolName)).sorted()
            return try withoutRequestIds(cli.succeed(["DescribeDisks"]))
                + withoutRequestIds(cli.succeed(["DescribeSnapshots", "--PageSize", "100"]))
                // Not the use percentages: reserving a metadata snapshot for thin_ls moves them.
                + "\(try DeviceMapper().thinPoolStatus(try PoolDevice.name(poolName)).details?.transactionID ?? 0) \(thinIds)"
        }

        func close() {
            if let service = try? SnapshotService(stateDirectory: stateDirectory, lvmScope: .only([])) {
                for snapshot in (try? service.describeSnapshots()) ?? [] { try? service.deleteSnapshot(snapshot.id) }
                for disk in (try? service.describeDisks()) ?? [] { try? service.deleteDisk(disk.record.id) }
                try? service.deletePool(name: poolName)
            }
            try? FileManager.default.removeItem(atPath: stateDirectory)
        }
    }

    @Test(.enabled(if: Rig.enabled))
    func createSnapshotPrintsExactlyRequestIdAndSnapshotId() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let disk = try fixture.newDisk("web")
        let output = try fixture.cli.succeed(["CreateSnapshot", "--DiskId", disk, "--SnapshotName", "before", "--Description", "x"])
        #expect(output.range(of: #"^\{"RequestId":"[0-9A-F-]{36}","SnapshotId":"s-[a-z0-9]{20}"\}\n$"#, options: .regularExpression) != nil, "\(output)")

        let listing = try fixture.cli.succeed(["DescribeSnapshots", "--DiskId", disk])
        let snapshots = try #require((CLI.field(listing, "Snapshots", "Snapshot") as? [[String: Any]]))
        #expect(snapshots.count == 1)
        #expect(snapshots.first?["SnapshotName"] as? String == "before")
        #expect(snapshots.first?["Status"] as? String == "accomplished")
        #expect(snapshots.first?["SourceDiskId"] as? String == disk)
        #expect(CLI.field(listing, "TotalCount") as? Int == 1)

        let table = try fixture.cli.succeed(["DescribeSnapshots", "--output", "cols=SnapshotId,SnapshotName", "rows=Snapshots.Snapshot[]"])
        let lines = table.split(separator: "\n")
        #expect(lines.count == 3, "header, dashes, one row (aliyun's trailing blank line is not a line)")
        #expect(lines[0].hasPrefix("SnapshotId") && lines[0].hasSuffix(" | SnapshotName"))
        #expect(lines[2].hasSuffix(" | before"))
    }

    @Test(.enabled(if: Rig.enabled))
    func describeSnapshotsFiltersAndPagesAndModifyRenames() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let disk = try fixture.newDisk()
        let first = try fixture.newSnapshot(disk)
        let second = try fixture.newSnapshot(disk)
        _ = try fixture.cli.succeed(["ModifySnapshotAttribute", "--SnapshotId", first, "--SnapshotName", "renamed", "--Description", "new words"])

        let byName = try fixture.cli.succeed(["DescribeSnapshots", "--SnapshotName", "renamed"])
        let named = try #require(CLI.field(byName, "Snapshots", "Snapshot") as? [[String: Any]])
        #expect(named.map { $0["SnapshotId"] as? String } == [first])
        #expect(named.first?["Description"] as? String == "new words")

        let byIds = try fixture.cli.succeed(["DescribeSnapshots", "--SnapshotIds", "[\"\(second)\"]"])
        #expect((CLI.field(byIds, "Snapshots", "Snapshot") as? [[String: Any]])?.map { $0["SnapshotId"] as? String } == [second])
        #expect(CLI.field(try fixture.cli.succeed(["DescribeSnapshots", "--Status", "failed"]), "TotalCount") as? Int == 0)

        let page = try fixture.cli.succeed(["DescribeSnapshots", "--PageSize", "1", "--PageNumber", "2"])
        #expect(CLI.field(page, "TotalCount") as? Int == 2)
        #expect((CLI.field(page, "Snapshots", "Snapshot") as? [Any])?.count == 1)

        var seen: [String] = []
        var token = ""
        repeat {
            let body = try fixture.cli.succeed(["DescribeSnapshots", "--MaxResults", "1"] + (token.isEmpty ? [] : ["--NextToken", token]))
            seen += (CLI.field(body, "Snapshots", "Snapshot") as? [[String: Any]] ?? []).compactMap { $0["SnapshotId"] as? String }
            token = CLI.field(body, "NextToken") as? String ?? ""
        } while !token.isEmpty && seen.count < 5
        #expect(Set(seen) == [first, second] && seen.count == 2, "NextToken walks every snapshot once")
    }

    @Test(.enabled(if: Rig.enabled))
    /// Fifty invocations at once on one pool: creates, deletes, describes, a
    /// clone and a rollback. Each must succeed (they serialize on the state
    /// directory's lock), every new ID must be distinct, and the catalog and
    /// the kernel must agree afterwards.
    func concurrentInvocationsSerializeAndAllSucceed() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let disks = [try fixture.newDisk("disk-a"), try fixture.newDisk("disk-b")]
        let rolledBack = try fixture.newDisk("disk-c")
        let base = try fixture.newSnapshot(rolledBack)
        let doomed = try (0..<5).map { _ in try fixture.newSnapshot(disks[0]) }
        var commands: [[String]] = (0..<30).map { ["CreateSnapshot", "--DiskId", disks[$0 % 2]] }
        commands += doomed.map { ["DeleteSnapshot", "--SnapshotId", $0] }
        commands += (0..<8).map { _ in ["DescribeSnapshots", "--PageSize", "100"] }
        commands += (0..<3).map { _ in ["DescribeDisks"] }
        commands += (0..<3).map { _ in ["CreateDisk", "--SnapshotId", base] }
        commands += [["ResetDisk", "--DiskId", rolledBack, "--SnapshotId", base]]
        #expect(commands.count == 50)
        let results = try commands.map { try fixture.cli.start($0) }.map { try $0.wait() }
        for (command, result) in zip(commands, results) where result.status != 0 {
            Issue.record("\(command.joined(separator: " ")) exited \(result.status): \(result.errors)")
        }
        let created = results.compactMap { CLI.field($0.output, "SnapshotId") as? String }
        let cloned = results.compactMap { CLI.field($0.output, "DiskId") as? String }
        #expect(created.count == 30 && cloned.count == 3, "\(created.count) snapshots and \(cloned.count) disks made")
        #expect(Set(created + cloned).count == created.count + cloned.count, "every ID distinct")
        #expect(Set(created + cloned).isDisjoint(with: disks + doomed + [rolledBack, base]), "no ID reused")
        let listed = try fixture.cli.succeed(["DescribeSnapshots", "--PageSize", "100"])
        #expect(CLI.field(listed, "TotalCount") as? Int == 31, "the 30 new ones and the base: \(listed.prefix(300))")
        try Agreement.check(stateDirectory: fixture.stateDirectory, poolName: fixture.poolName)
    }

    @Test(.enabled(if: Rig.enabled))
    func badInputIsRefusedClearlyAndChangesNothing() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let disk = try fixture.newDisk("target")
        let snapshot = try fixture.newSnapshot(disk)
        let before = try fixture.state()
        let hostile = ["with space", "quo\"te", "new\nline", "0 8 zero", "$(touch /tmp/pwned)", "`id`", "a;b", "../../etc", "-rf", "--help"]
        var attempts: [[String]] = [
            ["CreateSnapshot", "--DiskId", "d-doesnotexist0000000"],
            ["CreateSnapshot", "--DiskId", "d-"],
            ["CreateSnapshot", "--DiskId", "s-" + disk.dropFirst(2)],
            ["DeleteSnapshot", "--SnapshotId", "s-00000000000000000000"],
            ["ResetDisk", "--DiskId", disk, "--SnapshotId", "s-nope"],
            ["CreateDisk", "--Size", "0"],
            ["CreateDisk", "--Size", "-5"],
            ["CreateDisk", "--Size", "70000"],
            ["CreateDisk", "--Size", "20000"],
            ["CreateDisk", "--SnapshotId", "s-00000000000000000000"],
            ["DescribeSnapshots", "--SnapshotIds", "not json"],
            ["DescribeSnapshots", "--PageSize", "101"],
            ["DescribeSnapshots", "--NextToken", "forged"],
            ["DescribeSnapshots", "--output", "colz=SnapshotId"],
            ["disk", "create", "0"],
            ["pool", "create", "x y", "--file-backed", "1G"],
        ]
        for name in hostile {
            attempts.append(["CreateSnapshot", "--DiskId", disk, "--SnapshotName", name])
            attempts.append(["CreateDisk", "--Size", "1", "--DiskName", name])
            attempts.append(["ModifySnapshotAttribute", "--SnapshotId", snapshot, "--SnapshotName", name])
            // `pool create --help` rightly prints help.
            if !name.hasPrefix("--") { attempts.append(["pool", "create", name, "--file-backed", "1G"]) }
            attempts.append(["CreateSnapshot", "--DiskId", name])
        }
        for arguments in attempts {
            let result = try fixture.cli.run(arguments)
            #expect(result.status != 0, "dmsnap \(arguments) must fail")
            #expect(!result.errors.isEmpty, "dmsnap \(arguments) must say why")
            #expect(result.output.isEmpty || arguments.contains("--help"), "dmsnap \(arguments) printed \(result.output)")
            if arguments[0].first?.isUppercase == true, result.errors.hasPrefix("{") {
                #expect(CLI.field(result.errors, "Code") is String, "an ECS error: \(result.errors)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/pwned"))
        let after = try fixture.state()
        let changed = zip(before.split(separator: "\n"), after.split(separator: "\n")).filter { $0 != $1 }
        #expect(after == before, "no refused command changed the catalog or the kernel: \(changed)")
    }

    @Test(.enabled(if: Rig.enabled))
    func aMountedDeviceIsRefusedAsPoolData() throws {
        try Rig.requireKernel()
        let loop = try LoopDevice.attach(sizeMiB: 64)
        let metadata = try LoopDevice.attach(sizeMiB: 16)
        let mountPoint = "/tmp/\(Rig.uniqueName("m"))"
        try Rig.shell("mkfs.ext4 -q \(loop.path) && mkdir -p \(mountPoint) && mount \(loop.path) \(mountPoint)")
        defer {
            _ = try? Rig.shell("umount \(mountPoint); rmdir \(mountPoint)")
            loop.detach()
            metadata.detach()
        }
        let cli = CLI(stateDirectory: "/tmp/\(Rig.uniqueName("mounted"))")
        for force in [[], ["--force"]] {
            let result = try cli.run(["pool", "create", "p", "--data", loop.path, "--metadata", metadata.path] + force)
            #expect(result.status != 0)
            #expect(result.errors.contains(mountPoint), "\(result.errors)")
        }
        try Rig.shell("umount \(mountPoint)")
        let unforced = try cli.run(["pool", "create", "p", "--data", loop.path, "--metadata", metadata.path])
        #expect(unforced.status != 0 && unforced.errors.contains("ext4"), "a filesystem signature needs --force: \(unforced.errors)")
        #expect(try PoolDevice.all("p").isEmpty)
    }

    /// A disk whose partition is mounted is refused, naming the partition,
    /// even with --force; a partition table or a PV signature needs --force,
    /// which then takes the devices; the pool lists with its figures.
    @Test(.enabled(if: Rig.enabled))
    func aPartitionTableOrAPVNeedsForceAndAMountedPartitionIsRefused() throws {
        try Rig.requireKernel()
        let data = try LoopDevice.attach(sizeMiB: 96), metadata = try LoopDevice.attach(sizeMiB: 16)
        let mountPoint = "/tmp/\(Rig.uniqueName("part"))", partition = "\(data.path)p1"
        let cli = CLI(stateDirectory: "/tmp/\(Rig.uniqueName("signatures"))")
        defer {
            _ = try? cli.run(["pool", "delete", "sig"])
            _ = try? Rig.shell("umount \(mountPoint) 2>/dev/null; rmdir \(mountPoint); partx -d \(data.path); pvremove -qq -y \(metadata.path) 2>/dev/null; true")
            data.detach()
            metadata.detach()
        }
        try Rig.shell("""
            echo 'start=2048, size=40960, type=83' | sfdisk -q \(data.path) && partx -a \(data.path) && udevadm settle && \
            mkfs.ext4 -q \(partition) && mkdir -p \(mountPoint) && mount \(partition) \(mountPoint) && \
            pvcreate -qq \(metadata.path)
            """)
        let create = ["pool", "create", "sig", "--data", data.path, "--metadata", metadata.path]
        let mounted = try cli.run(create + ["--force"])
        #expect(mounted.status != 0 && mounted.errors.contains(partition) && mounted.errors.contains(mountPoint),
                "the mounted partition is named: \(mounted.errors)")
        try Rig.shell("umount \(mountPoint)")
        let table = try cli.run(create)
        #expect(table.status != 0 && table.errors.contains("partition table") && table.errors.contains("--force"), "\(table.errors)")
        let physicalVolume = try cli.run(["pool", "create", "sig", "--data", metadata.path, "--metadata", data.path])
        #expect(physicalVolume.status != 0 && physicalVolume.errors.contains("LVM2_member"), "\(physicalVolume.errors)")
        #expect(try PoolDevice.all("sig").isEmpty, "nothing was made")
        _ = try cli.succeed(create + ["--force", "--low-water-mark", "10"])
        let pools = try JSONSerialization.jsonObject(with: Data(try cli.succeed(["pool", "list", "--json"]).utf8)) as? [[String: Any]]
        let pool = try #require(pools?.first { $0["name"] as? String == "sig" }, "\(pools ?? [])")
        #expect(pool["dataDevice"] as? String == data.path && pool["metadataDevice"] as? String == metadata.path)
        #expect(pool["mode"] as? String == "rw" && pool["transactionId"] as? String == "0" && pool["disks"] as? Int == 0)
        // metadata data block-size low-water-mark [features]
        let parameters = try DeviceMapper().table(try PoolDevice.name("sig")).first?.parameters.split(separator: " ") ?? []
        #expect(parameters.count > 3 && parameters[3] == "10", "the low water mark reaches the table: \(parameters)")
        let low = try cli.run(["pool", "create", "low", "--file-backed", "64M", "--low-water-mark", "1024"])
        #expect(low.status != 0 && low.errors.contains("low water mark"), "64 MiB holds 1,024 blocks: \(low.errors)")
    }

    /// `recover` resumes what a crash in its own state directory left
    /// suspended, and nothing of another state directory's, where a dmsnap may
    /// be in the middle of a snapshot (CI failed when suites running side by
    /// side resumed each other's disks).
    @Test(.enabled(if: Rig.enabled))
    func recoverResumesOnlyItsOwnSuspendedDevices() throws {
        let ours = try Fixture()
        defer { ours.close() }
        let theirs = try Fixture()
        defer { theirs.close() }
        let ourDisk = "dmsnap-" + (try ours.newDisk()), theirDisk = "dmsnap-" + (try theirs.newDisk())
        let deviceMapper = DeviceMapper()
        try deviceMapper.suspend(ourDisk, options: [.skipLockfs])
        try deviceMapper.suspend(theirDisk, options: [.skipLockfs])
        defer { _ = try? deviceMapper.resume(theirDisk) }
        let output = try ours.cli.succeed(["recover"])
        #expect(output.contains("resumed \(ourDisk)") && !output.contains(theirDisk), "\(output)")
        #expect(try deviceMapper.info(ourDisk)?.isSuspended == false)
        #expect(try deviceMapper.info(theirDisk)?.isSuspended == true, "the other state directory's disk is left as it was")
        #expect(try theirs.cli.succeed(["recover"]).contains("resumed \(theirDisk)"))
    }

    /// Ctrl-C, `kill` or a closed terminal while CreateSnapshot holds the disk
    /// suspended: the signal waits for the resume, so the disk is never left
    /// suspended, and the snapshot is finished or undone by the next command.
    @Test(.enabled(if: Rig.enabled), arguments: [SIGINT, SIGTERM, SIGHUP])
    func aSignalDuringCreateSnapshotWaitsForTheResume(signal: Int32) throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let disk = try fixture.newDisk()
        let device = "dmsnap-\(disk)"
        let running = try fixture.cli.start(["CreateSnapshot", "--DiskId", disk],
                                            environment: ["DMSNAP_PAUSE_AT": "createSnapshot.afterSuspend"],
                                            signalsAsFromAShell: true)
        let deviceMapper = DeviceMapper()
        // Up to a minute: under TCG a cold dmsnap took over 3 s to reach the suspend on 6.1.
        var suspended = false
        let deadline = Date().addingTimeInterval(60)
        while !suspended, running.process.isRunning, Date() < deadline {
            suspended = try deviceMapper.info(device)?.isSuspended == true
            if !suspended { Thread.sleep(forTimeInterval: 0.01) }
        }
        #expect(suspended, "the disk was suspended while dmsnap paused")
        kill(running.process.processIdentifier, signal)
        let result = try running.wait()
        #expect(result.status == signal + 128, "the signal still ends dmsnap, after the resume: \(result.status) \(result.errors)")
        #expect(try deviceMapper.info(device)?.isSuspended == false, "the disk was resumed before dmsnap stopped")
        _ = try fixture.cli.succeed(["recover"])
        try Agreement.check(stateDirectory: fixture.stateDirectory, poolName: fixture.poolName)
    }

    static let crashPoints: [(operation: String, point: String)] = [
        ("CreateDisk", "createDisk.afterIntent"), ("CreateDisk", "createDisk.afterMessage"), ("CreateDisk", "createDisk.afterCommit"),
        ("CreateSnapshot", "createSnapshot.afterIntent"), ("CreateSnapshot", "createSnapshot.afterSuspend"),
        ("CreateSnapshot", "createSnapshot.afterMessage"), ("CreateSnapshot", "createSnapshot.afterCommit"),
        ("ResetDisk", "resetDisk.afterIntent"), ("ResetDisk", "resetDisk.afterMessage"), ("ResetDisk", "resetDisk.afterCommit"),
        ("ResetDisk", "resetDisk.afterRetarget"), ("ResetDisk", "resetDisk.afterDelete"),
        ("CloneDisk", "cloneDisk.afterMessage"), ("DeleteDisk", "deleteDisk.afterDeactivate"),
        ("DeleteSnapshot", "deleteSnapshot.afterMessage"),
    ]

    /// One pool for every crash point (a pool per point made the run too slow
    /// under TCG); each point works on a fresh disk and checks agreement after.
    @Test(.enabled(if: Rig.enabled))
    func killNineAtEveryStepThenRecoverLeavesCatalogAndKernelAgreeing() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        for (operation, point) in Self.crashPoints {
            try crashAndRecover(fixture, operation: operation, point: point)
        }
        // The tool works normally afterwards.
        _ = try fixture.newSnapshot(try fixture.newDisk())
        try Agreement.check(stateDirectory: fixture.stateDirectory, poolName: fixture.poolName)
    }

    private func crashAndRecover(_ fixture: Fixture, operation: String, point: String) throws {
        let disk = try fixture.newDisk()
        let device = "/dev/mapper/dmsnap-\(disk)"
        try Rig.shell("dd if=/dev/urandom of=\(device) bs=1M count=4 oflag=direct status=none")
        let snapshot = try fixture.newSnapshot(disk)
        let atSnapshot = try Rig.shell("head -c 4194304 \(device) | md5sum")
        try Rig.shell("dd if=/dev/zero of=\(device) bs=1M count=4 oflag=direct status=none")

        let arguments: [String] = switch operation {
        case "CreateDisk": ["CreateDisk", "--Size", "1"]
        case "CreateSnapshot": ["CreateSnapshot", "--DiskId", disk]
        case "ResetDisk": ["ResetDisk", "--DiskId", disk, "--SnapshotId", snapshot]
        case "CloneDisk": ["CreateDisk", "--SnapshotId", snapshot]
        case "DeleteDisk": ["DeleteDisk", "--DiskId", disk]
        default: ["DeleteSnapshot", "--SnapshotId", snapshot]
        }
        let crashed = try fixture.cli.run(arguments, environment: ["DMSNAP_CRASH_AT": point])
        #expect(crashed.killed, "dmsnap was killed at \(point) (status \(crashed.status), \(crashed.errors))")

        _ = try fixture.cli.succeed(["recover"])
        try Agreement.check(stateDirectory: fixture.stateDirectory, poolName: fixture.poolName)
        if operation == "ResetDisk" {
            // The rollback was either undone or finished, never half-done.
            let now = try Rig.shell("head -c 4194304 \(device) | md5sum")
            let zeroed = try Rig.shell("head -c 4194304 /dev/zero | md5sum")
            #expect(now == atSnapshot || now == zeroed, "after recovery from \(point) the disk is the snapshot or untouched")
            if point != "resetDisk.afterIntent" && point != "resetDisk.afterMessage" {
                #expect(now == atSnapshot, "a rollback killed at \(point), past its commit point, is finished")
            }
        }
    }
}
