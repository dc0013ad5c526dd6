import DeviceMapper
import Foundation
import Snapshots
import Testing
import TestSupport

/// kill -9 at random moments, not only at the crash points dmsnap marks for
/// the tests: each verb is timed once, then started again and again and killed
/// after a delay drawn from a seeded generator over that time, `recover` run
/// after each. Whatever the moment, nothing may be left suspended, frozen or
/// half-made, and catalog and kernel must agree.
///
/// The draws repeat from `DMSNAP_KILL_SEED` (fixed by default, so a failure
/// reproduces); `DMSNAP_KILL_TRIES` sets the tries per verb (default 3).
@Suite(.serialized)
struct RandomKillTests {
    static let seed = ProcessInfo.processInfo.environment["DMSNAP_KILL_SEED"].flatMap { UInt64($0) } ?? 0x6b69_6c6c
    static let tries = ProcessInfo.processInfo.environment["DMSNAP_KILL_TRIES"].flatMap { Int($0) } ?? 3

    /// A pool with two disks: `busy` carries a mounted ext4 with a writer
    /// appending checksummed records (SnapshotGroupTests' writer) the whole
    /// time, `idle` is unmounted so that it can be rolled back.
    final class Host {
        let stateDirectory = "/tmp/\(Rig.uniqueName("kill"))"
        let poolName = Rig.uniqueName("k")
        let mountPoint = "/tmp/\(Rig.uniqueName("kill-mnt"))"
        let scripts = "/tmp/\(Rig.uniqueName("kill-py"))"
        let cli: CLI
        var busy = "", idle = ""
        /// `idle`'s checksum when its newest snapshot was taken (a rollback's target).
        var idleAtSnapshot = ""
        var writer: Process?

        init() throws {
            try Rig.requireKernel()
            cli = CLI(stateDirectory: stateDirectory)
            try Rig.shell("mkdir -p \(scripts) \(mountPoint)")
            try SnapshotGroupTests.writer.write(toFile: "\(scripts)/writer.py", atomically: true, encoding: .utf8)
            try SnapshotGroupTests.checker.write(toFile: "\(scripts)/checker.py", atomically: true, encoding: .utf8)
            _ = try cli.succeed(["pool", "create", poolName, "--file-backed", "1G"])
            busy = try newDisk(size: 256)
            idle = try newDisk(size: 8)
            try Rig.shell("mkfs.ext4 -q \(path(busy)) && mount \(path(busy)) \(mountPoint)")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            // About 8 KB/s: mid-write at every kill, and few enough records that checking each copy is quick.
            process.arguments = ["\(scripts)/writer.py", "\(mountPoint)/records", "0.5"]
            try process.run()
            writer = process
        }

        func path(_ disk: String) -> String { "/dev/mapper/dmsnap-\(disk)" }

        func newDisk(size mebibytes: Int) throws -> String {
            let output = try cli.succeed(["disk", "create", "\(mebibytes)M", "--json"])
            return try #require(CLI.field(output, "DiskId") as? String)
        }

        func snapshots(of disk: String) throws -> [[String: Any]] {
            let listing = try cli.succeed(["DescribeSnapshots", "--DiskId", disk, "--MaxResults", "100"])
            return (CLI.field(listing, "Snapshots", "Snapshot") as? [[String: Any]]) ?? []
        }

        var recordsWritten: Int {
            (try? FileManager.default.attributesOfItem(atPath: "\(mountPoint)/records")[.size] as? Int).map { $0 / 64 } ?? 0
        }

        /// The writer gets on: the filesystem is neither frozen nor on a suspended disk.
        func writerMovesOn() -> Bool {
            guard writer?.isRunning == true else { return false }
            let before = recordsWritten
            for _ in 0..<100 {
                Thread.sleep(forTimeInterval: 0.1)
                if recordsWritten > before { return true }
            }
            return false
        }

        func close() {
            if let writer {
                kill(writer.processIdentifier, SIGKILL)
                writer.waitUntilExit()
            }
            _ = try? Rig.shell("umount \(mountPoint) 2>/dev/null; true")
            if let service = try? SnapshotService(stateDirectory: stateDirectory, lvmScope: .only([])) {
                for group in (try? service.describeSnapshotGroups()) ?? [] { try? service.deleteSnapshotGroup(group.group.id) }
                for snapshot in (try? service.describeSnapshots()) ?? [] { try? service.deleteSnapshot(snapshot.id) }
                for disk in (try? service.describeDisks()) ?? [] { try? service.deleteDisk(disk.record.id) }
                try? service.deletePool(name: poolName)
            }
            try? FileManager.default.removeItem(atPath: stateDirectory)
            _ = try? Rig.shell("rm -rf \(scripts) \(mountPoint)")
        }
    }

    /// A verb to kill: the arguments of one run, made afresh each try (a
    /// rollback needs a snapshot, a deletion something to delete).
    struct Verb: Sendable {
        let name: String
        let arguments: @Sendable (Host) throws -> [String]
    }

    static let verbs: [Verb] = [
        Verb(name: "CreateSnapshot of the mounted ext4 under a writer") { host in ["CreateSnapshot", "--DiskId", host.busy] },
        Verb(name: "ResetDisk") { host in
            ["ResetDisk", "--DiskId", host.idle, "--SnapshotId", try RandomKillTests.snapshotOfIdle(host)]
        },
        Verb(name: "clone") { host in ["CreateDisk", "--SnapshotId", try RandomKillTests.snapshotOfIdle(host)] },
        Verb(name: "DeleteSnapshot") { host in
            ["DeleteSnapshot", "--SnapshotId", try RandomKillTests.newSnapshot(host.idle, host)]
        },
        Verb(name: "DeleteDisk") { host in ["DeleteDisk", "--DiskId", try host.newDisk(size: 4)] },
        Verb(name: "CreateSnapshotGroup over both disks") { host in
            ["CreateSnapshotGroup", "--DiskId.1", host.busy, "--DiskId.2", host.idle, "--FreezeTimeout", "20"]
        },
    ]

    static func newSnapshot(_ disk: String, _ host: Host) throws -> String {
        try #require(CLI.field(try host.cli.succeed(["CreateSnapshot", "--DiskId", disk]), "SnapshotId") as? String)
    }

    /// A fresh snapshot of `idle` with a pattern of its own, after which the
    /// disk is overwritten: a rollback is then either done or not, never half.
    static func snapshotOfIdle(_ host: Host) throws -> String {
        let overwrite = "dd if=/dev/urandom of=\(host.path(host.idle)) bs=1M count=8 oflag=direct status=none"
        try Rig.shell(overwrite)
        let snapshot = try newSnapshot(host.idle, host)
        host.idleAtSnapshot = try Rig.shell("md5sum < \(host.path(host.idle))")
        try Rig.shell(overwrite)
        return snapshot
    }

    @Test(.enabled(if: Rig.enabled))
    func killNineAtRandomMomentsThenRecoverLeavesNothingHalfDone() throws {
        let host = try Host()
        defer { host.close() }
        var generator = SplitMix64(state: Self.seed)
        var tally: [String] = []
        for verb in Self.verbs {
            // The verb's own time, uninterrupted, bounds the delays drawn.
            let uninterrupted = try verb.arguments(host)
            let timed = Date()
            _ = try host.cli.succeed(uninterrupted)
            let span = Date().timeIntervalSince(timed)
            var killed = 0
            for attempt in 1...Self.tries {
                let arguments = try verb.arguments(host)
                let idleBefore = try Rig.shell("md5sum < \(host.path(host.idle))")
                let delay = Double.random(in: 0...(span * 1.2), using: &generator)
                let label = "\(verb.name), try \(attempt), kill after \(Int(delay * 1000)) of \(Int(span * 1000)) ms"
                let started = Date()
                let running = try host.cli.start(arguments)
                Thread.sleep(forTimeInterval: delay)
                let pid = running.process.processIdentifier
                if running.process.isRunning {
                    // The guardian of a group too, as a power cut would: recover releases what both held.
                    for guardian in Self.guardians(of: pid) { kill(guardian, SIGKILL) }
                    kill(pid, SIGKILL)
                }
                let result = try running.wait()
                if result.killed { killed += 1 }
                #expect(result.killed || result.status == 0, "\(label): \(result.errors)")

                let recovered = try host.cli.run(["recover"])
                #expect(recovered.status == 0, "\(label): recover failed: \(recovered.errors)")
                try Agreement.check(stateDirectory: host.stateDirectory, poolName: host.poolName)
                #expect(host.writerMovesOn(), "\(label): the writer is stuck: the filesystem is frozen or its disk suspended")
                #expect(!HoldJournalFiles.current().contains { $0.hasPrefix("hold-\(pid)-") }, "\(label): a hold journal is left")
                try expectWhole(verb, host: host, idleBefore: idleBefore, finished: result.status == 0, label: label)
                print("random kill: \(label): \(result.killed ? "killed" : "finished"), recovered and checked, \(Int(Date().timeIntervalSince(started))) s")
            }
            tally.append("\(verb.name) (\(Int(span * 1000)) ms): \(killed) of \(Self.tries) killed")
        }
        print("random kills (seed \(Self.seed)): " + tally.joined(separator: "; "))
        try expectCleanCopies(host)
    }

    /// What each verb leaves must be whole: a rollback is done or not; a
    /// group has every member or, failed, none.
    private func expectWhole(_ verb: Verb, host: Host, idleBefore: String, finished: Bool, label: String) throws {
        if verb.name == "ResetDisk" {
            let now = try Rig.shell("md5sum < \(host.path(host.idle))")
            #expect(now == host.idleAtSnapshot || now == idleBefore, "\(label): the disk is the snapshot or untouched")
            if finished { #expect(now == host.idleAtSnapshot, "\(label): a rollback that finished is done") }
        }
        if verb.name.hasPrefix("CreateSnapshotGroup") {
            let listing = try host.cli.succeed(["DescribeSnapshotGroups"])
            let groups = (CLI.field(listing, "SnapshotGroups", "SnapshotGroup") as? [[String: Any]]) ?? []
            for group in groups {
                let members = ((group["Snapshots"] as? [String: Any])?["Snapshot"] as? [[String: Any]])?.count ?? 0
                switch group["Status"] as? String {
                case "accomplished": #expect(members == 2, "\(label): an accomplished group holds both snapshots")
                case "failed": #expect(members == 0, "\(label): a failed group keeps nothing")
                case let status: Issue.record("\(label): a group is \(status ?? "without a status") after recover")
                }
            }
        }
    }

    /// The newest snapshots of the mounted ext4 (DescribeSnapshots lists newest
    /// first), those the kills left, each cloned: a clean
    /// filesystem and a gap-free prefix of the writer's records.
    private func expectCleanCopies(_ host: Host) throws {
        let copyMount = "\(host.mountPoint)-copy"
        defer { _ = try? Rig.shell("umount \(copyMount) 2>/dev/null; rmdir \(copyMount) 2>/dev/null; true") }
        for snapshot in try host.snapshots(of: host.busy).prefix(3) {
            let id = try #require(snapshot["SnapshotId"] as? String)
            let clone = try #require(CLI.field(try host.cli.succeed(["CreateDisk", "--SnapshotId", id]), "DiskId") as? String)
            defer { _ = try? host.cli.run(["DeleteDisk", "--DiskId", clone]) }
            let device = host.path(clone)
            try Rig.shell("fsck.ext4 -p \(device) >/dev/null; status=$?; [ $status -lt 4 ] || { fsck.ext4 -fn \(device); exit $status; }")
            try Rig.shell("mkdir -p \(copyMount) && mount -o ro \(device) \(copyMount)")
            defer { _ = try? Rig.shell("umount \(copyMount)") }
            try Rig.shell("python3 \(host.scripts)/checker.py \(copyMount)/records")
        }
    }

    /// A group's guardian runs `dmsnap guardian /run/dmsnap/hold-PID-TOKEN.json`, PID the holder's.
    static func guardians(of holder: pid_t) -> [pid_t] {
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return processes.compactMap { entry in
            guard let pid = pid_t(entry),
                  let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let words = command.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return words.count == 3 && words[1] == "guardian" && words[2].contains("/hold-\(holder)-") ? pid : nil
        }
    }
}
