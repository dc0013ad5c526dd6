import DeviceMapper
import Foundation
import Snapshots
import Testing

/// Snapshot groups over an extended volume: an md RAID0 striped over native
/// disks, ext4 on it, and a writer appending sequence-numbered, checksummed
/// records the whole time. Every group, cloned and assembled on its own, must
/// hold a clean filesystem and a gap-free prefix of whole records.
@Suite(.serialized)
struct SnapshotGroupTests {
    /// Appends 64-byte records `SEQUENCE PAYLOAD CRC32\n` (10 + 1 + 43, then
    /// 1 + 8 + 1 bytes), one write each, about 200 KB/s, until killed.
    static let writer = """
        import sys, zlib, os, time
        f = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        i = 0
        while True:
            body = b"%010d %s" % (i, (b"%x" % (i * 2654435761 % 2**32)).rjust(43, b"."))
            os.write(f, body + b" %08x\\n" % zlib.crc32(body))
            i += 1
            # About 200 KB/s: enough to be mid-write at every group, not enough to fill the array.
            if i % 64 == 0: time.sleep(0.02)
        """

    /// Exits 0 when the file is a gap-free prefix of whole, intact records.
    static let checker = """
        import sys, zlib
        data = open(sys.argv[1], "rb").read()
        if len(data) % 64: sys.exit("torn record: %d bytes is not a whole number of records" % len(data))
        for i in range(len(data) // 64):
            record = data[i * 64:(i + 1) * 64]
            body, crc = record[:54], record[55:63]
            if int(body[:10]) != i: sys.exit("gap: record %d holds sequence %s" % (i, body[:10]))
            if b"%08x" % zlib.crc32(body) != crc: sys.exit("record %d is corrupt" % i)
        print(len(data) // 64)
        """

    final class Volume {
        let stateDirectory = "/tmp/\(Rig.uniqueName("state"))"
        let poolName = Rig.uniqueName("p")
        let md = "/dev/md/\(Rig.uniqueName("md"))"
        let mountPoint = "/tmp/\(Rig.uniqueName("mnt"))"
        let scripts = "/tmp/\(Rig.uniqueName("py"))"
        let service: SnapshotService
        var disks: [DiskRecord] = []
        var writer: Process?

        init(disks count: Int) throws {
            try Rig.requireKernel()
            try Rig.shell("modprobe raid0; mkdir -p \(scripts) \(mountPoint)")
            try SnapshotGroupTests.writer.write(toFile: "\(scripts)/writer.py", atomically: true, encoding: .utf8)
            try SnapshotGroupTests.checker.write(toFile: "\(scripts)/checker.py", atomically: true, encoding: .utf8)
            service = try SnapshotService(stateDirectory: stateDirectory, lvmScope: .only([]), guardianExecutable: CLI.binary)
            _ = try service.createFileBackedPool(name: poolName, sizeBytes: 2 << 30)
            for index in 0..<count {
                disks.append(try service.createDisk(sizeBytes: 256 << 20, name: "m\(index)", poolName: poolName))
            }
            let paths = disks.map { "/dev/mapper/dmsnap-\($0.id)" }.joined(separator: " ")
            try Rig.shell("""
                mdadm --create \(md) --run --quiet --level=0 --chunk=64 --raid-devices=\(count) \(paths) && \
                mkfs.ext4 -q \(md) && mount \(md) \(mountPoint)
                """)
        }

        func startWriter() throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["\(scripts)/writer.py", "\(mountPoint)/records"]
            try process.run()
            writer = process
            Thread.sleep(forTimeInterval: 1)
        }

        var recordsWritten: Int {
            (try? FileManager.default.attributesOfItem(atPath: "\(mountPoint)/records")[.size] as? Int).map { $0 / 64 } ?? 0
        }

        /// Clones the group's disks, assembles the clones as an array of their
        /// own, and checks its filesystem and records; returns the record count.
        func verify(_ group: String) throws -> Int {
            try verify(clones: try service.cloneDisks(fromGroup: group))
        }

        func verify(clones: [DiskRecord]) throws -> Int {
            let copy = "\(md)-copy"
            let copyMount = "\(mountPoint)-copy"
            defer {
                _ = try? Rig.shell("umount \(copyMount) 2>/dev/null; mdadm --stop \(copy) 2>/dev/null; true")
                for clone in clones { try? service.deleteDisk(clone.id) }
            }
            let paths = clones.map { "/dev/mapper/dmsnap-\($0.id)" }.joined(separator: " ")
            // A new UUID: the original array is still running.
            try Rig.shell("mdadm --assemble \(copy) --run --quiet --update=uuid \(paths)")
            // -p replays the journal as a mount would; an inconsistent cut leaves errors -p cannot fix (exit 4).
            try Rig.shell("fsck.ext4 -p \(copy) >/dev/null; status=$?; [ $status -lt 4 ] || { fsck.ext4 -fn \(copy); exit $status; }")
            try Rig.shell("mkdir -p \(copyMount) && mount -o ro \(copy) \(copyMount)")
            let count = try Rig.shell("python3 \(scripts)/checker.py \(copyMount)/records")
            return Int(count.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }

        func close() {
            writer?.terminate()
            writer?.waitUntilExit()
            _ = try? Rig.shell("umount \(mountPoint) 2>/dev/null; mdadm --stop \(md) 2>/dev/null; true")
            for group in (try? service.describeSnapshotGroups()) ?? [] { try? service.deleteSnapshotGroup(group.group.id) }
            for snapshot in (try? service.describeSnapshots()) ?? [] { try? service.deleteSnapshot(snapshot.id) }
            for disk in (try? service.describeDisks()) ?? [] {
                _ = try? Rig.shell("mdadm --zero-superblock /dev/mapper/dmsnap-\(disk.record.id) 2>/dev/null; true")
                try? service.deleteDisk(disk.record.id)
            }
            try? service.deletePool(name: poolName)
            _ = try? Rig.shell("rm -rf \(stateDirectory) \(scripts); rmdir \(mountPoint) 2>/dev/null; true")
        }
    }

    @Test(.enabled(if: Rig.enabled))
    func theFreezePlanForAnMdArrayFreezesItsFilesystemThenSuspendsTheDisks() throws {
        let volume = try Volume(disks: 3)
        defer { volume.close() }
        let result = try volume.service.createSnapshotGroup(diskIds: volume.disks.map(\.id), name: "plan", dryRun: true)
        #expect(result.group == nil && result.snapshots.isEmpty)
        guard case .freezeFilesystem(let mountPoint, _) = try #require(result.plan.holds.first) else {
            Issue.record("the filesystem on the array is held first: \(result.plan.holds)")
            return
        }
        #expect(mountPoint == volume.mountPoint)
        #expect(result.plan.holds.dropFirst() == volume.disks.map { .suspend(device: "dmsnap-\($0.id)", lockfs: false) }[...])
        #expect(try volume.service.describeSnapshots().isEmpty && volume.service.describeSnapshotGroups().isEmpty, "a dry run changes nothing")

        // Two of the three disks: md stands on the third too, and says so.
        #expect { try volume.service.createSnapshotGroup(diskIds: volume.disks.dropLast().map(\.id), name: "part") } throws: { error in
            let message = (error as? SnapshotsError)?.message ?? ""
            return message.contains("not in the group") && message.contains("md")
        }
    }

    @Test(.enabled(if: Rig.enabled))
    func groupsOfAStripedArrayUnderAWriterAreConsistent() throws {
        let volume = try Volume(disks: 3)
        defer { volume.close() }
        try volume.startWriter()
        var groups: [String] = []
        for index in 1...20 {
            // A generous deadline: under TCG on a loaded host a hold can take seconds.
            let result = try volume.service.createSnapshotGroup(diskIds: volume.disks.map(\.id), name: "g\(index)",
                                                                freezeTimeout: .seconds(60))
            let group = try #require(result.group)
            #expect(group.status == .accomplished && result.snapshots.count == 3 && group.holdWindowMicroseconds > 0)
            groups.append(group.id)
        }
        #expect(try DeviceMapper().list().allSatisfy { try DeviceMapper().info($0.name)?.isSuspended == false }, "nothing left suspended")
        var previous = 0
        for group in groups {
            let records = try volume.verify(group)
            #expect(records > previous, "group \(group) holds more records than the one before (\(records) after \(previous))")
            previous = records
        }
        #expect(volume.recordsWritten > previous, "the writer went on after the last group")
    }

    /// The control: the same check, on disks snapshotted one after the other
    /// without a common hold, catches the inconsistency.
    @Test(.enabled(if: Rig.enabled))
    func disksSnapshottedOneByOneAreCaughtInconsistent() throws {
        let volume = try Volume(disks: 2)
        defer { volume.close() }
        try volume.startWriter()
        var caught = 0
        for _ in 1...3 {
            let snapshots = try volume.disks.map { disk in
                defer { Thread.sleep(forTimeInterval: 0.3) }
                return try volume.service.createSnapshot(diskId: disk.id, name: nil)
            }
            let clones = try snapshots.map { try volume.service.cloneDisk(fromSnapshot: $0.id, name: nil) }
            do { _ = try volume.verify(clones: clones) } catch { caught += 1 }
        }
        #expect(caught > 0, "snapshots taken one by one under a writer were never caught inconsistent in 3 tries")
    }

    @Test(.enabled(if: Rig.enabled))
    func killingDmsnapDuringTheHoldReleasesEverythingAndKeepsNothing() throws {
        let volume = try Volume(disks: 2)
        defer { volume.close() }
        try volume.startWriter()
        let thinIdsBefore = try Agreement.thinIds(pool: "dmsnap-pool-\(volume.poolName)")
        let cli = CLI(stateDirectory: volume.stateDirectory)
        var arguments = ["CreateSnapshotGroup", "--FreezeTimeout", "5"]
        for (index, disk) in volume.disks.enumerated() { arguments += ["--DiskId.\(index + 1)", disk.id] }
        let started = Date()
        let crashed = try cli.run(arguments, environment: ["DMSNAP_CRASH_AT": "createSnapshotGroup.duringHold"])
        #expect(crashed.killed, "\(crashed.errors)")
        // The guardian saw the holder die: released well within the deadline.
        let before = volume.recordsWritten
        Thread.sleep(forTimeInterval: 2)
        #expect(volume.recordsWritten > before, "the writer goes on")
        #expect(Date().timeIntervalSince(started) < 60)
        for disk in volume.disks {
            #expect(try DeviceMapper().info("dmsnap-\(disk.id)")?.isSuspended == false)
        }
        let recovered = try cli.run(["recover"])
        #expect(recovered.status == 0, "\(recovered.errors)")
        let groups = try volume.service.describeSnapshotGroups()
        #expect(groups.count == 1 && groups.first?.group.status == .failed && groups.first?.snapshots.isEmpty == true)
        #expect(try Agreement.thinIds(pool: "dmsnap-pool-\(volume.poolName)") == thinIdsBefore, "no thin device left behind")
        #expect(HoldJournalFiles.current().isEmpty, "no journal left in /run/dmsnap")
    }
}

enum HoldJournalFiles {
    static func current() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: HoldJournal.directory)) ?? []).filter { $0.hasPrefix("hold-") }
    }
}
