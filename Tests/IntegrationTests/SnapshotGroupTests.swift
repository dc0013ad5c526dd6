import DeviceMapper
import Foundation
import Snapshots
import Testing

/// Snapshot groups over an extended volume (md RAID0, a dm stripe, or an LVM
/// volume group over native disks), ext4 on it, and a writer appending
/// sequence-numbered, checksummed records the whole time. Every group, cloned and assembled on its own, must
/// hold a clean filesystem and a gap-free prefix of whole records.
@Suite(.serialized)
struct SnapshotGroupTests {
    /// Appends 64-byte records `SEQUENCE PAYLOAD CRC32\n` (10 + 1 + 43, then
    /// 1 + 8 + 1 bytes), one write each, about 200 KB/s (a pause of 20 ms
    /// every 64 records; the second argument sets another), until killed.
    static let writer = """
        import sys, zlib, os, time
        f = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        pause = float(sys.argv[2]) if len(sys.argv) > 2 else 0.02
        i = 0
        while True:
            body = b"%010d %s" % (i, (b"%x" % (i * 2654435761 % 2**32)).rjust(43, b"."))
            os.write(f, body + b" %08x\\n" % zlib.crc32(body))
            i += 1
            # About 200 KB/s: enough to be mid-write at every group, not enough to fill the array.
            if i % 64 == 0: time.sleep(pause)
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
        let layout: ExtendedVolumeLayout
        let stateDirectory = "/tmp/\(Rig.uniqueName("state"))"
        let poolName = Rig.uniqueName("p")
        let name = Rig.uniqueName("vol")
        let mountPoint = "/tmp/\(Rig.uniqueName("mnt"))"
        let scripts = "/tmp/\(Rig.uniqueName("py"))"
        let service: SnapshotService
        var disks: [DiskRecord] = []
        var device = ""
        var writer: Process?
        private var copies = 0

        init(_ layout: ExtendedVolumeLayout = .mdStripe, disks count: Int) throws {
            self.layout = layout
            try Rig.requireKernel()
            try Rig.shell("modprobe -a raid0 dm-mod; mkdir -p \(scripts) \(mountPoint)")
            try SnapshotGroupTests.writer.write(toFile: "\(scripts)/writer.py", atomically: true, encoding: .utf8)
            try SnapshotGroupTests.checker.write(toFile: "\(scripts)/checker.py", atomically: true, encoding: .utf8)
            service = try SnapshotService(stateDirectory: stateDirectory, lvmScope: .only([]), guardianExecutable: CLI.binary)
            _ = try service.createFileBackedPool(name: poolName, sizeBytes: 2 << 30)
            for index in 0..<count {
                disks.append(try service.createDisk(sizeBytes: 256 << 20, name: "m\(index)", poolName: poolName))
            }
            print("\(layout): building the volume over \(count) disks")
            device = try layout.build(name, over: diskPaths)
            try Rig.shell("mkfs.ext4 -q \(device) && mount \(device) \(mountPoint)")
            print("\(layout): \(device) mounted at \(mountPoint)")
        }

        var diskPaths: [String] { disks.map { "/dev/mapper/dmsnap-\($0.id)" } }

        static func exits(_ process: Process, within seconds: Int) -> Bool {
            for _ in 0..<(seconds * 10) where process.isRunning { Thread.sleep(forTimeInterval: 0.1) }
            return !process.isRunning
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

        /// Clones the group's disks, assembles the clones as a volume of their
        /// own, and checks its filesystem and records; returns the record count.
        func verify(_ group: String) throws -> Int {
            try verify(clones: try service.cloneDisks(fromGroup: group))
        }

        func verify(clones: [DiskRecord]) throws -> Int {
            copies += 1
            let copyName = "\(name)-c\(copies)"
            let copyMount = "\(mountPoint)-copy"
            let paths = clones.map { "/dev/mapper/dmsnap-\($0.id)" }
            defer {
                _ = try? Rig.shell("umount \(copyMount) 2>/dev/null; true")
                layout.tearDownCopy(copyName, from: paths)
                for clone in clones { try? service.deleteDisk(clone.id) }
            }
            let copy = try layout.assembleCopy(copyName, from: paths)
            // -p replays the journal as a mount would; an inconsistent cut leaves errors -p cannot fix (exit 4).
            try Rig.shell("fsck.ext4 -p \(copy) >/dev/null; status=$?; [ $status -lt 4 ] || { fsck.ext4 -fn \(copy); exit $status; }")
            try Rig.shell("mkdir -p \(copyMount) && mount -o ro \(copy) \(copyMount)")
            let count = try Rig.shell("python3 \(scripts)/checker.py \(copyMount)/records")
            return Int(count.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }

        // The steps print as they go, so that a run that stops shows where.
        func close() {
            print("\(layout): closing: stopping the writer")
            // SIGKILL: the writer inherits the test runner's signal mask, in
            // which SIGTERM is blocked (terminate() left it running, and the run hung).
            if let writer { kill(writer.processIdentifier, SIGKILL) }
            if let writer, !Self.exits(writer, within: 30) {
                // A writer SIGKILL does not end is blocked in I/O: something still holds the volume.
                let pid = writer.processIdentifier
                print("\(layout): the writer (pid \(pid)) did not stop: " + ((try? Rig.shell("""
                    cat /proc/\(pid)/stat | cut -d' ' -f3; cat /proc/\(pid)/stack 2>/dev/null | head -5; \
                    dmsetup info -c -o name,suspended 2>&1 | grep -i suspended; grep ' \(mountPoint) ' /proc/mounts; true
                    """)) ?? "?"))
                print("\(layout): thawing \(mountPoint) and resuming every suspended device to go on")
                _ = try? Rig.shell("""
                    fsfreeze -u \(mountPoint) 2>&1; for d in $(dmsetup info -c --noheadings -o name,suspended 2>/dev/null \
                    | awk -F: '$2 == "Suspended" {print $1}'); do echo "resume $d"; dmsetup resume $d; done; true
                    """)
                writer.waitUntilExit()
            }
            print("\(layout): closing: unmounting and taking the volume down")
            _ = try? Rig.shell("umount \(mountPoint) 2>/dev/null; true")
            layout.tearDown(name, over: diskPaths)
            print("\(layout): closing: deleting groups, snapshots, disks and the pool")
            for group in (try? service.describeSnapshotGroups()) ?? [] { try? service.deleteSnapshotGroup(group.group.id) }
            for snapshot in (try? service.describeSnapshots()) ?? [] { try? service.deleteSnapshot(snapshot.id) }
            for disk in (try? service.describeDisks()) ?? [] { try? service.deleteDisk(disk.record.id) }
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
        #expect(result.plan.takenTogether == 1..<4, "the disks are suspended together, after the filesystem")
        #expect(try volume.service.describeSnapshots().isEmpty && volume.service.describeSnapshotGroups().isEmpty, "a dry run changes nothing")

        // Two of the three disks: md stands on the third too, and says so.
        #expect { try volume.service.createSnapshotGroup(diskIds: volume.disks.dropLast().map(\.id), name: "part") } throws: { error in
            let message = (error as? SnapshotsError)?.message ?? ""
            return message.contains("not in the group") && message.contains("md")
        }
    }

    @Test(.enabled(if: Rig.enabled), arguments: ExtendedVolumeLayout.selected)
    func groupsOfAnExtendedVolumeUnderAWriterAreConsistent(_ layout: ExtendedVolumeLayout) throws {
        let volume = try Volume(layout, disks: 3)
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
            if index == 1 { Self.expectTopHeldFirst(result.plan, volume) }
            print("\(layout): group \(index)/20 held \(group.holdWindowMicroseconds / 1000) ms")
        }
        let suspended = try DeviceMapper().list().filter { try DeviceMapper().info($0.name)?.isSuspended == true }.map(\.name)
        #expect(suspended.isEmpty, "nothing left suspended: \(suspended)")
        print("\(layout): after 20 groups, suspended devices: \(suspended)")
        var previous = 0
        for group in groups {
            let records: Int
            do { records = try volume.verify(group) } catch {
                print("\(layout): checking group \(group) failed: \(error)")
                throw error
            }
            print("\(layout): group \(group) holds \(records) whole records")
            #expect(records > previous, "group \(group) holds more records than the one before (\(records) after \(previous))")
            previous = records
        }
        #expect(volume.recordsWritten > previous, "the writer went on after the last group")
    }

    /// The filesystem on the volume is held before any disk: FIFREEZE on md,
    /// dm suspend with lockfs on a dm or LVM top.
    static func expectTopHeldFirst(_ plan: FreezePlan, _ volume: Volume) {
        let top: String
        switch volume.layout {
        case .mdStripe:
            if case .freezeFilesystem(let mountPoint, _)? = plan.holds.first, mountPoint == volume.mountPoint { return }
            Issue.record("md: the filesystem is frozen first: \(plan.holds)")
            return
        case .dmStripe: top = volume.name
        case .lvmVolumeGroup: top = "\(volume.name.replacingOccurrences(of: "-", with: "--"))-lv"
        }
        #expect(plan.holds.first == .suspend(device: top, lockfs: true), "\(volume.layout): the top is suspended with lockfs first: \(plan.holds)")
        #expect(plan.holds.count == volume.disks.count + 1, "then each disk: \(plan.holds)")
    }

    /// The control: the same check, on disks snapshotted one after the other
    /// without a common hold, catches the inconsistency.
    @Test(.enabled(if: Rig.enabled))
    func disksSnapshottedOneByOneAreCaughtInconsistent() throws {
        let volume = try Volume(disks: 2)
        defer { volume.close() }
        try volume.startWriter()
        var caught = 0
        for attempt in 1...3 {
            let snapshots = try volume.disks.map { disk in
                defer { Thread.sleep(forTimeInterval: 0.3) }
                return try volume.service.createSnapshot(diskId: disk.id, name: nil)
            }
            let clones = try snapshots.map { try volume.service.cloneDisk(fromSnapshot: $0.id, name: nil) }
            print("one by one: attempt \(attempt)/3: snapshots cloned, checking the copy")
            do {
                let records = try volume.verify(clones: clones)
                print("one by one: attempt \(attempt)/3: not caught, \(records) whole records")
            } catch {
                caught += 1
                print("one by one: attempt \(attempt)/3: caught: \(String(describing: error).prefix(300))")
            }
        }
        #expect(caught > 0, "snapshots taken one by one under a writer were never caught inconsistent in 3 tries")
    }

    @Test(.enabled(if: Rig.enabled))
    func killingDmsnapDuringTheHoldReleasesEverythingAndKeepsNothing() throws {
        let volume = try Volume(disks: 2)
        defer { volume.close() }
        try volume.startWriter()
        let thinIdsBefore = try Agreement.thinIds(pool: try PoolDevice.name(volume.poolName))
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
        #expect(try Agreement.thinIds(pool: try PoolDevice.name(volume.poolName)) == thinIdsBefore, "no thin device left behind")
        #expect(HoldJournalFiles.current().isEmpty, "no journal left in /run/dmsnap")
    }

    /// dmsnap locks its memory for a hold only when a page of it could be read
    /// from a held device. Run from an ext4 on one of the group's disks it
    /// locks, and the group is taken (nothing is read from that disk while it
    /// is suspended); run from a tmpfs it locks nothing (its libraries are on
    /// the rig's overlays of the host's files, 9p under a tmpfs).
    @Test(.enabled(if: Rig.enabled))
    func memoryIsLockedForAHoldOnlyWhenTheBinaryCouldBeReadFromAHeldDisk() throws {
        try Rig.requireKernel()
        let poolName = Rig.uniqueName("p")
        let onDisk = "/tmp/\(Rig.uniqueName("on-disk"))", inMemory = "/tmp/\(Rig.uniqueName("in-memory"))"
        // The catalog, which dmsnap maps (SQLite's shared memory file), in memory as well.
        let state = "\(inMemory)/state"
        try Rig.shell("mkdir -p \(onDisk) \(inMemory) && mount -t tmpfs -o size=768m dmsnap-test \(inMemory)")
        defer { _ = try? Rig.shell("umount \(onDisk) \(inMemory) 2>/dev/null; rmdir \(onDisk) \(inMemory) 2>/dev/null; true") }
        let service = try SnapshotService(stateDirectory: state, lvmScope: .only([]), guardianExecutable: CLI.binary)
        defer {
            _ = try? Rig.shell("umount \(onDisk) 2>/dev/null; true")
            for group in (try? service.describeSnapshotGroups()) ?? [] { try? service.deleteSnapshotGroup(group.group.id) }
            for disk in (try? service.describeDisks()) ?? [] { try? service.deleteDisk(disk.record.id) }
            try? service.deletePool(name: poolName)
        }
        _ = try service.createFileBackedPool(name: poolName, sizeBytes: 512 << 20)
        let disks = try (0..<2).map { try service.createDisk(sizeBytes: 128 << 20, name: "bin\($0)", poolName: poolName) }
        try Rig.shell("""
            mkfs.ext4 -q /dev/mapper/dmsnap-\(disks[0].id) && mount /dev/mapper/dmsnap-\(disks[0].id) \(onDisk) && \
            cp \(CLI.binary) \(onDisk)/dmsnap && cp \(CLI.binary) \(inMemory)/dmsnap && sync
            """)
        for (directory, locks) in [(onDisk, true), (inMemory, false)] {
            // Dropped from the page cache, so that the copy on the disk is read from it.
            try Rig.shell("echo 3 > /proc/sys/vm/drop_caches")
            let cli = CLI(stateDirectory: state, executable: "\(directory)/dmsnap")
            let plan = try cli.succeed(["CreateSnapshotGroup", "--DiskId.1", disks[0].id, "--DiskId.2", disks[1].id, "--DryRun", "true"])
            let reason = CLI.field(plan, "MemoryLockReason") as? String
            print("memory lock: dmsnap from \(directory): the dry run says \(reason ?? "no lock")")
            #expect(CLI.field(plan, "MemoryLocked") as? Bool == locks, "dmsnap from \(directory): \(reason ?? "no lock")")
            #expect(CLI.field(plan, "HoldsTakenTogether") as? [Int] == [1, 2], "\(plan)")
            let everydayPlan = try cli.succeed(["group", "create", disks[0].id, disks[1].id, "--dry-run"])
            #expect(everydayPlan.contains("(1 to 2 at once, each on a thread of its own)"), "\(everydayPlan)")
            if locks { #expect(reason?.contains("\(directory)/dmsnap") == true, "the reason names the binary: \(reason ?? "none")") }
            let running = try cli.start(["CreateSnapshotGroup", "--DiskId.1", disks[0].id, "--DiskId.2", disks[1].id],
                                        environment: ["DMSNAP_PAUSE_AT": "createSnapshotGroup.duringHold"])
            // Read while the group holds: the disks are suspended for the 3 s pause.
            var lockedKiB: Int?
            while running.process.isRunning && lockedKiB == nil {
                if try DeviceMapper().info("dmsnap-\(disks[1].id)")?.isSuspended == true {
                    let status = (try? String(contentsOfFile: "/proc/\(running.process.processIdentifier)/status", encoding: .utf8)) ?? ""
                    lockedKiB = status.split(separator: "\n").first { $0.hasPrefix("VmLck:") }
                        .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            let result = try running.wait()
            #expect(result.status == 0, "dmsnap from \(directory): \(result.errors)")
            let locked = try #require(lockedKiB, "dmsnap from \(directory): the hold was not seen")
            print("memory lock: dmsnap from \(directory) (\(locks ? "on a held disk" : "tmpfs")) had \(locked) KiB locked during the hold")
            #expect(locks ? locked > 0 : locked == 0, "dmsnap from \(directory): \(locked) KiB locked during the hold")
            // What is locked is the binary and the heap; threads' stacks made resident would show here.
            let binaryKiB = Int(try FileManager.default.attributesOfItem(atPath: CLI.binary)[.size] as? UInt64 ?? 0) / 1024
            #expect(locked < binaryKiB + 128 << 10, "\(locked) KiB locked for a \(binaryKiB) KiB binary")
        }
        #expect(try service.describeSnapshotGroups().count == 2)
    }

    /// A hold that outlasts the deadline: the pool's data device is slowed by
    /// dm-delay, so suspending a disk waits seconds for a writer's in-flight
    /// write. dmsnap stops at the deadline, releases what it holds, and the
    /// group fails with the deadline in its error; nothing stays suspended and
    /// no thin device is left.
    @Test(.enabled(if: Rig.enabled))
    func aHoldThatOutlastsTheDeadlineIsReleasedAndTheGroupFails() throws {
        try Rig.requireKernel()
        try Rig.shell("modprobe dm-delay")
        let data = try LoopDevice.attach(sizeMiB: 512), metadata = try LoopDevice.attach(sizeMiB: 32)
        let delay = Rig.uniqueName("delay"), poolName = Rig.uniqueName("p")
        let state = "/tmp/\(Rig.uniqueName("state"))", running = "/tmp/\(Rig.uniqueName("writing"))"
        let sectors = try data.sectors
        try Rig.shell("dmsetup create \(delay) --table '0 \(sectors) delay \(data.path) 0 0'")
        /// Writes to the pool's data take `milliseconds` longer (reads never).
        func delayWrites(by milliseconds: Int) throws {
            try Rig.shell("""
                dmsetup reload \(delay) --table '0 \(sectors) delay \(data.path) 0 0 \(data.path) 0 \(milliseconds)' && \
                dmsetup resume \(delay)
                """)
        }
        let service = try SnapshotService(stateDirectory: state, lvmScope: .only([]), guardianExecutable: CLI.binary)
        var writers: [Process] = []
        defer {
            _ = try? Rig.shell("rm -f \(running)")
            try? delayWrites(by: 0)
            for writer in writers { writer.waitUntilExit() }
            for disk in (try? service.describeDisks()) ?? [] { try? service.deleteDisk(disk.record.id) }
            try? service.deletePool(name: poolName)
            _ = try? Rig.shell("dmsetup remove --retry \(delay); rm -rf \(state)")
            data.detach(); metadata.detach()
        }
        _ = try service.createPool(name: poolName, dataDevice: "/dev/mapper/\(delay)", metadataDevice: metadata.path)
        let disks = try (0..<2).map { try service.createDisk(sizeBytes: 64 << 20, name: "slow\($0)", poolName: poolName) }
        let paths = disks.map { "/dev/mapper/dmsnap-\($0.id)" }
        // Blocks allocated now, so that the writes below need no new mapping.
        for path in paths { try Rig.shell("dd if=/dev/zero of=\(path) bs=64k count=16 oflag=direct status=none") }
        let thinIdsBefore = try Agreement.thinIds(pool: try PoolDevice.name(poolName))
        try delayWrites(by: 6000)
        try Rig.shell("touch \(running)")
        for path in paths {
            let writer = Process()
            writer.executableURL = URL(fileURLWithPath: "/bin/sh")
            writer.arguments = ["-c", "while [ -e \(running) ]; do dd if=/dev/zero of=\(path) bs=4k count=1 oflag=direct conv=notrunc status=none; done"]
            try writer.run()
            writers.append(writer)
        }
        Thread.sleep(forTimeInterval: 1)

        let cli = CLI(stateDirectory: state)
        let started = Date()
        let result = try cli.run(["CreateSnapshotGroup", "--DiskId.1", disks[0].id, "--DiskId.2", disks[1].id, "--FreezeTimeout", "1"])
        let took = Date().timeIntervalSince(started)
        #expect(result.status != 0, "the group cannot succeed: \(result.output)")
        #expect(result.errors.contains("deadline") && result.errors.contains("1.0 s"), "the error names the deadline: \(result.errors)")
        // Each suspend waits at most one delayed write (6 s), and the holder stops after the first that ends late.
        #expect(took < 30, "released within a delayed write of the deadline, not after every hold: \(took) s")
        for path in paths {
            #expect(try DeviceMapper().info(String(path.dropFirst("/dev/mapper/".count)))?.isSuspended == false, "\(path) resumed")
        }
        let groups = try service.describeSnapshotGroups()
        #expect(groups.count == 1 && groups.first?.group.status == .failed && groups.first?.snapshots.isEmpty == true)
        #expect(HoldJournalFiles.current().isEmpty, "no journal left in /run/dmsnap")
        _ = try? Rig.shell("rm -f \(running)")
        try delayWrites(by: 0)
        for writer in writers { writer.waitUntilExit() }
        #expect(try Agreement.thinIds(pool: try PoolDevice.name(poolName)) == thinIdsBefore, "no thin device left behind")
    }
}

enum HoldJournalFiles {
    static func current() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: HoldJournal.directory)) ?? []).filter { $0.hasPrefix("hold-") }
    }
}
