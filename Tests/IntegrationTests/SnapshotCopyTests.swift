import DeviceMapper
import Foundation
import Snapshots
import Testing

/// Issue 17: snapshots copied into a repository, full then incremental,
/// restored byte for byte on this host and on another one (a second state
/// directory and pool that attached the repository), in the background with
/// progress, and after kill -9 of the copy.
@Suite(.serialized)
struct SnapshotCopyTests {
    final class Host {
        let stateDirectory = "/tmp/\(Rig.uniqueName("copyhost"))"
        let poolName = Rig.uniqueName("cp")
        var cli: CLI

        init(poolSize: String = "512M") throws {
            try Rig.requireKernel()
            cli = CLI(stateDirectory: stateDirectory)
            _ = try cli.succeed(["pool", "create", poolName, "--file-backed", poolSize])
        }

        func json(_ arguments: [String]) throws -> [String: Any] {
            let output = try cli.succeed(arguments)
            return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "not JSON: \(output)")
        }

        func snapshot(_ disk: String) throws -> String {
            try #require(CLI.field(try cli.succeed(["CreateSnapshot", "--DiskId", disk]), "SnapshotId") as? String)
        }

        func describe(_ snapshot: String) throws -> [String: Any] {
            let listing = try cli.succeed(["DescribeSnapshots", "--SnapshotIds", "[\"\(snapshot)\"]"])
            return try #require((CLI.field(listing, "Snapshots", "Snapshot") as? [[String: Any]])?.first, "\(listing)")
        }

        /// The MD5 of a snapshot's whole device, read through `snapshot expose`.
        func checksum(ofSnapshot snapshot: String) throws -> String {
            let device = try cli.succeed(["snapshot", "expose", snapshot]).split(separator: " ").last.map(String.init) ?? ""
            defer { _ = try? cli.run(["snapshot", "hide", snapshot]) }
            return try Rig.shell("md5sum < \(device.trimmingCharacters(in: .whitespacesAndNewlines)) | cut -d' ' -f1")
        }

        static func checksum(ofDisk disk: String) throws -> String {
            try Rig.shell("md5sum < /dev/mapper/dmsnap-\(disk) | cut -d' ' -f1")
        }

        /// The pool holds no metadata snapshot (dmsnap released every one it reserved).
        func heldMetadataRoot() throws -> UInt64? {
            try DeviceMapper().thinPoolStatus(try PoolDevice.name(poolName)).details?.heldMetadataRoot
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

    static func bytesRead(_ copy: [String: Any]) -> Int { copy["bytesRead"] as? Int ?? -1 }

    static func directoryBytes(_ path: String) throws -> Int {
        try #require(Int(try Rig.shell("du -sb \(path) | cut -f1").trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// The bytes a disk's thin device maps (`thin MAPPED HIGHEST` in its status).
    static func mappedBytes(_ disk: String) throws -> Int {
        let status = try Rig.shell("dmsetup status dmsnap-\(disk)").split(separator: " ")
        return try #require(status.count >= 4 ? Int(status[3]) : nil, "\(status)") * 512
    }

    /// A disk with ext4 on it (no lazy initialisation, so nothing writes behind the test's back).
    static func diskWithFilesystem(_ host: Host, sizeMiB: Int = 64) throws -> (disk: String, mountPoint: String) {
        let disk = try #require(CLI.field(try host.cli.succeed(["disk", "create", "\(sizeMiB)M", "--json"]), "DiskId") as? String)
        let mountPoint = "/tmp/\(Rig.uniqueName("copymnt"))"
        try Rig.shell("""
            mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 /dev/mapper/dmsnap-\(disk) \
            && mkdir -p \(mountPoint) && mount /dev/mapper/dmsnap-\(disk) \(mountPoint)
            """)
        return (disk, mountPoint)
    }

    @Test(.enabled(if: Rig.enabled))
    func fullThenIncrementalCopiesRestoreByteForByteHereAndOnAnotherHost() throws {
        let host = try Host(), other = try Host()
        let repository = "/tmp/\(Rig.uniqueName("repo"))"
        let (disk, mountPoint) = try Self.diskWithFilesystem(host)
        defer {
            _ = try? Rig.shell("umount \(mountPoint); rmdir \(mountPoint); rm -rf \(repository)")
            host.close()
            other.close()
        }
        let added = try host.cli.succeed(["repository", "add", "offsite", repository])
        #expect(added.contains("Added repository offsite"), "\(added)")

        try Rig.shell("dd if=/dev/urandom of=\(mountPoint)/a bs=1M count=12 status=none && sync")
        let mapped = try Self.mappedBytes(disk)
        let first = try host.snapshot(disk)
        let full = try host.json(["snapshot", "copy", first, "--to", "offsite", "--wait", "--json"])
        #expect(full["status"] as? String == "accomplished" && full["baseSnapshotId"] == nil, "\(full)")
        // Whole chunks are read around the mapped blocks; never the unmapped rest of the disk.
        #expect(Self.bytesRead(full) >= mapped && Self.bytesRead(full) <= mapped * 3 / 2 + (2 << 20),
                "a full copy reads the \(mapped) mapped bytes only: \(full)")

        let changed = 16 << 20
        let before = try Self.directoryBytes(repository)
        try Rig.shell("dd if=/dev/urandom of=\(mountPoint)/b bs=1M count=16 status=none && sync")
        let second = try host.snapshot(disk)
        let incremental = try host.json(["snapshot", "copy", second, "--to", "offsite", "--wait", "--json"])
        #expect(incremental["baseSnapshotId"] as? String == first, "\(incremental)")
        #expect(Self.bytesRead(incremental) <= changed * 3 / 2, "an incremental copy reads at most 1.5x the change: \(incremental)")
        let growth = try Self.directoryBytes(repository) - before
        #expect(growth <= changed * 3 / 2, "the repository grew by \(growth) bytes for \(changed) changed")
        print("copies: full read \(Self.bytesRead(full)) bytes (\(mapped) mapped); incremental read \(Self.bytesRead(incremental)) for \(changed) changed, repository +\(growth)")

        let third = try host.snapshot(disk)
        let unchanged = try host.json(["snapshot", "copy", third, "--to", "offsite", "--wait", "--json"])
        #expect(Self.bytesRead(unchanged) <= 4 << 20, "nothing changed, little read: \(unchanged)")
        let described = try host.describe(third)
        #expect(described["Status"] as? String == "accomplished" && described["Progress"] as? String == "100%", "\(described)")
        #expect(try host.heldMetadataRoot() == nil, "no metadata snapshot left reserved")

        let sums = try [first, second, third].map { try host.checksum(ofSnapshot: $0) }
        let restored = try host.json(["snapshot", "restore", second, "--from", "offsite", "--json"])
        let restoredDisk = try #require(restored["DiskId"] as? String, "\(restored)")
        #expect(try Host.checksum(ofDisk: restoredDisk) == sums[1], "restored on this host byte for byte")

        // The other host attaches the same directory and restores from it.
        let attached = try other.cli.succeed(["repository", "add", "offsite", repository])
        #expect(attached.contains("Added repository offsite"), "\(attached)")
        let listed = try other.cli.succeed(["repository", "snapshots", "offsite"])
        #expect([first, second, third].allSatisfy(listed.contains), "\(listed)")
        // ECS's spelling: CreateDisk --SnapshotId of a snapshot that is in no pool here restores it.
        let elsewhere = try other.json(["CreateDisk", "--SnapshotId", third])
        let elsewhereDisk = try #require(elsewhere["DiskId"] as? String, "\(elsewhere)")
        #expect(try Host.checksum(ofDisk: elsewhereDisk) == sums[2], "restored on the other host byte for byte")

        // Deleting the middle snapshot deletes its copy; prune collects its chunks; the others still restore.
        _ = try host.cli.succeed(["DeleteSnapshot", "--SnapshotId", second])
        let pruned = try host.cli.succeed(["repository", "prune", "offsite"])
        #expect(pruned.contains("Pruned repository offsite"), "\(pruned)")
        let checked = try host.cli.run(["repository", "check", "offsite", "--read-data"])
        #expect(checked.status == 0 && checked.output.contains("no damage found"), "\(checked.output)\(checked.errors)")
        for (snapshot, sum) in [(first, sums[0]), (third, sums[2])] {
            let again = try other.json(["snapshot", "restore", snapshot, "--from", "offsite", "--json"])
            #expect(try Host.checksum(ofDisk: try #require(again["DiskId"] as? String)) == sum, "\(snapshot) after the prune")
        }

        // A damaged chunk: check names it; a restore that needs it refuses, naming the snapshot, and leaves no disk.
        let chunk = try Rig.shell("find \(repository)/chunks -type f | sort | head -1").trimmingCharacters(in: .whitespacesAndNewlines)
        try Rig.shell("printf 'X' | dd of=\(chunk) bs=1 seek=20 conv=notrunc status=none")
        let chunkName = URL(fileURLWithPath: chunk).lastPathComponent
        let damaged = try other.cli.run(["repository", "check", "offsite", "--read-data"])
        #expect(damaged.status == 1 && damaged.output.contains(chunkName), "check names the chunk: \(damaged.output)")
        let users = try [first, third].filter { try Rig.shell("grep -c \(chunkName) \(repository)/snapshots/\($0).json || true").hasPrefix("1") }
        let victim = try #require(users.first, "a manifest uses the first chunk")
        let disksBefore = try other.cli.succeed(["disks"])
        let refused = try other.cli.run(["snapshot", "restore", victim, "--from", "offsite"])
        #expect(refused.status == 1 && refused.errors.contains(victim) && refused.errors.contains(chunkName), "\(refused.errors)")
        #expect(try other.cli.succeed(["disks"]) == disksBefore, "no half-made disk is left")
    }

    @Test(.enabled(if: Rig.enabled))
    func aCopyInTheBackgroundShowsProgressAndSurvivesKillNine() throws {
        let host = try Host()
        let repository = "/tmp/\(Rig.uniqueName("repo"))"
        defer { _ = try? Rig.shell("rm -rf \(repository)"); host.close() }
        let disk = try #require(CLI.field(try host.cli.succeed(["disk", "create", "64M", "--json"]), "DiskId") as? String)
        try Rig.shell("dd if=/dev/urandom of=/dev/mapper/dmsnap-\(disk) bs=1M count=40 oflag=direct status=none")
        _ = try host.cli.succeed(["repository", "add", "rr", repository, "--default"])

        // With a default repository, CreateSnapshot returns at once and the copy goes on in a worker.
        // Each worker pauses 3 s once its block map is read, before the data (a copy of 40 MiB is
        // otherwise done before the test sees it), so that kills land in the scan, the pause and the data.
        host.cli.environment["DMSNAP_PAUSE_AT"] = "copy.beforeData"
        let snapshot = try host.snapshot(disk)
        let first = try host.describe(snapshot)
        #expect(["progressing", "accomplished"].contains(first["Status"] as? String), "\(first)")
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        // '[c]opy-worker': the pattern must not match the shell that runs it. (pgrep -f did not
        // find the worker in the VM, whose argv[0] is /proc/self/exe; ps lists it.)
        let workers = "ps -eo pid=,args= | grep '[c]opy-worker \(snapshot)' | awk '{print $1}'"
        for attempt in 1...Int(ProcessInfo.processInfo.environment["DMSNAP_COPY_KILLS"] ?? "3")! {
            let worker = try Rig.shell(workers).trimmingCharacters(in: .whitespacesAndNewlines)
            if worker.isEmpty {
                if (try host.describe(snapshot))["Status"] as? String == "accomplished" { break }
                _ = try host.cli.succeed(["recover"])
                continue
            }
            usleep(UInt32.random(in: 50_000...4_000_000, using: &generator))
            try Rig.shell("kill -9 \(worker.split(separator: "\n").joined(separator: " ")) 2>/dev/null || true")
            kills += 1
            // No recover yet: DescribeSnapshots finds the worker's lease free and
            // starts the copy again, so the `progressing` it shows is true.
            while try !Rig.shell(workers).isEmpty { usleep(20_000) }
            let shown = try host.describe(snapshot)
            let again = try Rig.shell(workers)
            #expect(shown["Status"] as? String == "accomplished" || (shown["Status"] as? String == "progressing" && !again.isEmpty),
                    "attempt \(attempt): DescribeSnapshots restarted the interrupted copy: \(shown), workers: \(again)")
            let manifest = "\(repository)/snapshots/\(snapshot).json"
            let status = shown["Status"] as? String
            #expect(status == "progressing" || FileManager.default.fileExists(atPath: manifest),
                    "attempt \(attempt): a manifest is visible only for a finished copy (status \(status ?? "?"))")
            let recovered = try host.cli.succeed(["recover"])
            #expect(try host.heldMetadataRoot() == nil, "attempt \(attempt): no metadata snapshot left reserved: \(recovered)")
        }
        var described = try host.describe(snapshot)
        for _ in 0..<600 where described["Status"] as? String == "progressing" {
            usleep(200_000)
            described = try host.describe(snapshot)
        }
        #expect(described["Status"] as? String == "accomplished" && described["Progress"] as? String == "100%", "\(described)")
        print("background copy: \(kills) kill(s) of the worker, then accomplished")
        #expect(!FileManager.default.fileExists(atPath: "/dev/mapper/dmsnap-\(snapshot)"),
                "the copy hid the device it exposed, whichever worker finished it")
        let sum = try host.checksum(ofSnapshot: snapshot)
        let restored = try host.json(["snapshot", "restore", snapshot, "--json"])
        #expect(try Host.checksum(ofDisk: try #require(restored["DiskId"] as? String)) == sum)
    }

    @Test(.enabled(if: Rig.enabled))
    func aFullRepositoryFailsTheCopyClearlyAndARetrySucceedsOnceThereIsRoom() throws {
        let host = try Host()
        let repository = "/tmp/\(Rig.uniqueName("smallrepo"))"
        try Rig.shell("mkdir -p \(repository) && mount -t tmpfs -o size=8M tmpfs \(repository)")
        defer { _ = try? Rig.shell("umount \(repository); rmdir \(repository)"); host.close() }
        let disk = try #require(CLI.field(try host.cli.succeed(["disk", "create", "64M", "--json"]), "DiskId") as? String)
        try Rig.shell("dd if=/dev/urandom of=/dev/mapper/dmsnap-\(disk) bs=1M count=24 oflag=direct status=none")
        _ = try host.cli.succeed(["repository", "add", "small", repository])
        let snapshot = try host.snapshot(disk)
        let failed = try host.cli.run(["snapshot", "copy", snapshot, "--to", "small", "--wait"])
        #expect(failed.status == 1 && failed.errors.contains("No space left on device"), "\(failed.errors)")
        let described = try host.describe(snapshot)
        #expect(described["Status"] as? String == "failed" && (described["CopyFailure"] as? String)?.contains("No space") == true, "\(described)")
        #expect(!FileManager.default.fileExists(atPath: "\(repository)/snapshots/\(snapshot).json"), "no manifest for a failed copy")
        let checked = try host.cli.run(["repository", "check", "small", "--read-data"])
        #expect(checked.status == 0, "nothing in the repository is damaged: \(checked.output)")
        // The snapshot stays usable locally.
        _ = try host.checksum(ofSnapshot: snapshot)

        try Rig.shell("mount -o remount,size=128M \(repository)")
        _ = try host.cli.succeed(["snapshot", "copy", snapshot, "--to", "small", "--wait"])
        #expect((try host.describe(snapshot))["Status"] as? String == "accomplished")
    }
}
