import DeviceMapper
import Foundation
@testable import Snapshots
import Testing

/// Issue 16, item 2: a pool holds 100,000 snapshots with the longest names
/// and descriptions, writes their manifest and reads it back. Made by
/// seeding: 100,000 create_snap messages straight to the pool and their
/// catalog rows (Scripts/benchmarks/catalog_seed.py's way), since as many
/// `dmsnap CreateSnapshot` runs would take hours under TCG. Then one real
/// CreateSnapshot writes the manifest of them all (timed, with its peak RSS),
/// and `recover --rebuild` from that manifest alone gives every record back.
@Suite(.serialized)
struct ManifestScaleTests {
    /// 3,000 in the suites (past the old 4 MiB slot; 100,000 took over 43 minutes of
    /// seeding under TCG and did not finish): DMSNAP_MANIFEST_SCALE=100000 for the full run.
    static let count = Int(ProcessInfo.processInfo.environment["DMSNAP_MANIFEST_SCALE"] ?? "") ?? 3_000
    /// The dmsnap timed: as installed (a release build, README's Installing) when
    /// DMSNAP_SCALE_BINARY names one, else the test build.
    static let binary = ProcessInfo.processInfo.environment["DMSNAP_SCALE_BINARY"] ?? CLI.binary

    @Test(.enabled(if: Rig.enabled))
    func aPoolOfThousandsOfSnapshotsWithTheLongestNamesWritesAndReadsBackItsManifest() throws {
        try Rig.requireKernel()
        let stateDirectory = "/tmp/\(Rig.uniqueName("scale"))", poolName = Rig.uniqueName("m")
        let cli = CLI(stateDirectory: stateDirectory)
        defer { Self.tearDown(stateDirectory: stateDirectory, poolName: poolName) }
        // 64 GiB of sparse data file: 128 MiB of metadata, room for the thin devices.
        _ = try cli.succeed(["pool", "create", poolName, "--file-backed", "64G"])
        let disk = try #require(CLI.field(try cli.succeed(["CreateDisk", "--Size", "1", "--DiskName", "scale"]), "DiskId") as? String)
        _ = try cli.succeed(["CreateSnapshot", "--DiskId", disk])
        try ManifestCapacityTests.seed(stateDirectory: stateDirectory, disk: disk, count: Self.count, kernel: true)

        let timed = try Rig.shell("""
            /usr/bin/time -f 'elapsed %e s, peak RSS %M KiB' env DMSNAP_STATE_DIR=\(stateDirectory) DMSNAP_LVM_VOLUME_GROUPS= \
            \(Self.binary) CreateSnapshot --DiskId \(disk) --SnapshotName '\(ManifestCapacityTests.longestName)' 2>&1 >/dev/null
            """)
        print("ManifestScaleTests: CreateSnapshot at \(Self.count + 1) snapshots: \(timed)")
        let manifest = "/dev/mapper/" + (try PoolDevice.manifest(poolName))
        let lengths = try [0, ManifestDevice.slotCapacity].map { offset in
            Int(try Rig.shell("dd if=\(manifest) bs=4096 skip=\(offset / 4096) count=1 status=none | od -An -tu4 -j12 -N4")
                .trimmingCharacters(in: .whitespaces.union(.newlines))) ?? 0
        }
        print("ManifestScaleTests: manifest payloads \(lengths) bytes")
        #expect(lengths.max()! > Self.count * 2000, "\(lengths)")

        let digest = "SELECT group_concat(id || name || description || thinId || createdAt || modifiedAt, char(124)) FROM (SELECT * FROM snapshot ORDER BY id)"
        let before = try Self.sql(stateDirectory, digest)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: "\(stateDirectory)/catalog.sqlite\(suffix)") }
        let rebuilt = try Rig.shell("""
            /usr/bin/time -f 'elapsed %e s, peak RSS %M KiB' env DMSNAP_STATE_DIR=\(stateDirectory) DMSNAP_LVM_VOLUME_GROUPS= \
            \(Self.binary) recover --rebuild 2>&1
            """)
        print("ManifestScaleTests: recover --rebuild: \(rebuilt.suffix(300))")
        #expect(rebuilt.contains("\(Self.count + 2) snapshot(s)") && !rebuilt.contains("dropped:") && !rebuilt.contains("recovered:"),
                "\(rebuilt.prefix(2000))")
        let after = try Self.sql(stateDirectory, digest)
        #expect(after.count == before.count && after == before, "every snapshot's ID, name, description, thin id and times")
    }

    static func sql(_ stateDirectory: String, _ statement: String) throws -> String {
        try Rig.shell("""
            /usr/bin/python3 -c 'import hashlib, sqlite3; print(hashlib.sha256((sqlite3.connect("\(stateDirectory)/catalog.sqlite").execute("\(statement)").fetchone()[0] or "").encode()).hexdigest())'
            """)
    }

    /// The pool's devices and files go without deleting 100,000 snapshots one by one.
    static func tearDown(stateDirectory: String, poolName: String) {
        guard let pool = try? PoolDevice.name(poolName) else { return }
        _ = try? Rig.shell("""
            for device in $(dmsetup ls | awk '{print $1}'); do
                dmsetup table "$device" 2>/dev/null | grep -q " $(dmsetup info -c --noheadings -o major,minor \(pool) 2>/dev/null) " \
                    && dmsetup remove --retry "$device"
            done
            dmsetup remove --retry \(pool)
            for file in \(stateDirectory)/pools/\(poolName)/*.img; do losetup -j "$file" | cut -d: -f1 | xargs -r losetup -d; done
            rm -rf \(stateDirectory)
            true
            """)
    }
}
