import DeviceMapper
import Foundation
import Snapshots
import Testing

/// The block maps a snapshot copy reads, against the real kernel and
/// thin-provisioning-tools: every mapped block for a full copy, the changed
/// ones (a discarded block included) for an incremental one, on a native pool
/// and an LVM thin pool, and the pool's metadata snapshot never left reserved
/// by dmsnap nor taken from another program. Driven through the hidden
/// `dmsnap debug block-map`.
struct BlockMapTests {
    static let block: UInt64 = 64 << 10

    /// `[[offset, length], …]` in bytes for runs of 64 KiB blocks.
    static func ranges(_ runs: [(block: UInt64, count: UInt64)]) -> [[UInt64]] {
        runs.map { [$0.block * block, $0.count * block] }
    }

    /// Writes one 64 KiB block of random data at each block index, bypassing the page cache.
    static func write(_ device: String, blocks: [UInt64]) throws {
        for index in blocks {
            try Rig.shell("dd if=/dev/urandom of=\(device) bs=64K seek=\(index) count=1 oflag=direct status=none")
        }
    }

    static func blockMap(_ cli: CLI, _ snapshot: String, base: String? = nil, environment: [String: String] = [:]) throws -> (ranges: [[UInt64]], blockSize: UInt64?) {
        let result = try cli.run(["debug", "block-map", snapshot] + (base.map { ["--base", $0] } ?? []), environment: environment)
        guard result.status == 0 else { throw RigError("debug block-map \(snapshot) exited \(result.status): \(result.errors)") }
        let ranges = (CLI.field(result.output, "Ranges") as? [[NSNumber]] ?? []).map { $0.map(\.uint64Value) }
        return (ranges, (CLI.field(result.output, "BlockSize") as? NSNumber)?.uint64Value)
    }

    static func heldRoot(_ pool: String) throws -> UInt64? {
        try DeviceMapper().thinPoolStatus(pool).details?.heldMetadataRoot
    }

    /// A native pool with a 16 MiB disk, blocks 3, 4, 10 and 200 written.
    final class NativeFixture {
        let fixture: CommandLineTests.Fixture
        let device: String
        var cli: CLI { fixture.cli }

        init() throws {
            fixture = try CommandLineTests.Fixture()
            let disk = try #require(CLI.field(try fixture.cli.succeed(["disk", "create", "16M", "--json"]), "DiskId") as? String)
            device = "/dev/mapper/dmsnap-\(disk)"
            try BlockMapTests.write(device, blocks: [3, 4, 10, 200])
        }

        func snapshot() throws -> String {
            try #require(CLI.field(try cli.succeed(["snapshot", "create", device, "--json"]), "SnapshotId") as? String)
        }

        var poolDevice: String { get throws { try PoolDevice.name(fixture.poolName) } }
    }

    /// One pool for the native behaviours, one after another (a pool and a
    /// disk each cost seconds under TCG): the full map, a metadata snapshot
    /// another program holds, a scan killed holding its own, the changed map.
    @Test(.enabled(if: Rig.enabled))
    func nativeMapsAndTheMetadataSnapshotLease() throws {
        let native = try NativeFixture()
        defer { native.fixture.close() }
        let first = try native.snapshot()
        try fullMapIsTheWrittenBlocks(native, first)
        try aMetadataSnapshotAnotherProgramHoldsFailsTheScanAndIsKept(native, first)
        // Block 4 rewritten (different), 50 new (right_only), 10 discarded (left_only: reads as zeros now).
        try Self.write(native.device, blocks: [4, 50])
        try Rig.shell("blkdiscard -o \(10 * Self.block) -l \(Self.block) \(native.device)")
        try aScanStoppedBySIGTERMReleasesTheMetadataSnapshotFirst(native, first)
        let second = try aScanKilledHoldingTheMetadataSnapshotIsReleasedByTheNextCommand(native, first)
        #expect(try Self.blockMap(native.cli, second, base: first).ranges == Self.ranges([(4, 1), (10, 1), (50, 1)]),
                "exactly the changed blocks, the discarded one included")
        #expect(try Self.blockMap(native.cli, second).ranges == Self.ranges([(3, 2), (50, 1), (200, 1)]))
        #expect(try Self.heldRoot(native.poolDevice) == nil, "the metadata snapshot is released after each scan")
    }

    func fullMapIsTheWrittenBlocks(_ native: NativeFixture, _ snapshot: String) throws {
        let full = try Self.blockMap(native.cli, snapshot)
        #expect(full.blockSize == Self.block)
        #expect(full.ranges == Self.ranges([(3, 2), (10, 1), (200, 1)]), "exactly the written blocks")
    }

    func aMetadataSnapshotAnotherProgramHoldsFailsTheScanAndIsKept(_ native: NativeFixture, _ snapshot: String) throws {
        let pool = try native.poolDevice
        try Rig.shell("dmsetup message \(pool) 0 reserve_metadata_snap")
        defer { _ = try? Rig.shell("dmsetup message \(pool) 0 release_metadata_snap") }
        let held = try #require(try Self.heldRoot(pool))
        // A record of a root dmsnap froze earlier, not this one: the scan's recovery must leave the pool alone.
        let record = "\(native.fixture.stateDirectory)/metadata-snapshot-\(pool).json"
        try Data(#"{"pool":{"name":"x","poolDevice":"\#(pool)","metadataDevice":"/dev/null"},"heldRoot":\#(held + 1),"processId":1}"#.utf8)
            .write(to: URL(fileURLWithPath: record))
        let refused = try native.cli.run(["debug", "block-map", snapshot])
        #expect(!FileManager.default.fileExists(atPath: record), "recovery dropped the stale record")
        #expect(refused.status != 0 && refused.errors.contains("another program holds the metadata snapshot of pool \(native.fixture.poolName)"),
                "\(refused.errors)")
        #expect(try Self.heldRoot(pool) == held, "the other program's metadata snapshot is still held")
    }

    /// SIGTERM while the lease is held (a test pause keeps it there): dmsnap
    /// dies of the signal, after releasing the metadata snapshot.
    func aScanStoppedBySIGTERMReleasesTheMetadataSnapshotFirst(_ native: NativeFixture, _ snapshot: String) throws {
        let running = try native.cli.start(["debug", "block-map", snapshot], environment: ["DMSNAP_PAUSE_AT": "metadataSnapshotHeld"],
                                           signalsAsFromAShell: true)
        while try Self.heldRoot(native.poolDevice) == nil, running.process.isRunning { usleep(20_000) }
        kill(running.process.processIdentifier, SIGTERM)
        let stopped = try running.wait()
        #expect(stopped.status == SIGTERM + 128, "dmsnap died of the SIGTERM: \(stopped.status) \(stopped.errors)")
        #expect(try Self.heldRoot(native.poolDevice) == nil, "after releasing the metadata snapshot")
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: native.fixture.stateDirectory)
            .contains { $0.hasPrefix("metadata-snapshot-") }), "and dropping its record")
    }

    /// Returns the snapshot the next command made.
    func aScanKilledHoldingTheMetadataSnapshotIsReleasedByTheNextCommand(_ native: NativeFixture, _ snapshot: String) throws -> String {
        let killed = try native.cli.run(["debug", "block-map", snapshot], environment: ["DMSNAP_CRASH_AT": "metadataSnapshotHeld"])
        #expect(killed.killed, "dmsnap was killed holding the lease: \(killed.errors)")
        #expect(try Self.heldRoot(native.poolDevice) != nil, "the kill left the metadata snapshot reserved")
        let next = try native.snapshot()
        #expect(try Self.heldRoot(native.poolDevice) == nil, "the next command released it")
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: native.fixture.stateDirectory)
            .contains { $0.hasPrefix("metadata-snapshot-") }), "and dropped its record")
        return next
    }

    @Test(.enabled(if: Rig.enabled))
    func lvmMapsAreTheWrittenBlocksThenTheChangedOnes() throws {
        try Rig.requireKernel()
        let loop = try LoopDevice.attach(sizeMiB: 256)
        let volumeGroup = Rig.uniqueName("vg"), stateDirectory = "/tmp/\(Rig.uniqueName("state"))"
        defer {
            _ = try? Rig.shell("vgremove -ff -y \(volumeGroup)")
            loop.detach()
            try? FileManager.default.removeItem(atPath: stateDirectory)
        }
        try Rig.shell("""
            vgcreate -qq \(volumeGroup) \(loop.path) && \
            lvcreate -qq --type thin-pool -L 64M -c 64k -n pool \(volumeGroup) && \
            lvcreate -qq --type thin -V 16M --thinpool pool -n data \(volumeGroup) && udevadm settle
            """)
        let cli = CLI(stateDirectory: stateDirectory), environment = [LVMScope.environmentVariable: volumeGroup]
        let device = "/dev/\(volumeGroup)/data"
        func snapshot() throws -> String {
            let result = try cli.run(["snapshot", "create", "\(volumeGroup)/data", "--json"], environment: environment)
            return try #require(CLI.field(result.output, "SnapshotId") as? String, "\(result.errors)")
        }
        try Self.write(device, blocks: [1, 2, 30])
        let first = try snapshot()
        let full = try Self.blockMap(cli, first, environment: environment)
        #expect(full.blockSize == Self.block && full.ranges == Self.ranges([(1, 2), (30, 1)]), "\(full)")
        try Self.write(device, blocks: [2, 100])
        let second = try snapshot()
        #expect(try Self.blockMap(cli, second, base: first, environment: environment).ranges == Self.ranges([(2, 1), (100, 1)]))
        let tpool = LVMNames.tpool(volumeGroup: volumeGroup, pool: "pool")
        #expect(try Self.heldRoot(tpool) == nil, "the metadata snapshot is released")
    }
}

/// LVM's dm name of a thin pool's `-tpool` layer (each '-' in a name doubled).
enum LVMNames {
    static func tpool(volumeGroup: String, pool: String) -> String {
        [volumeGroup, pool, "tpool"].map { $0.replacingOccurrences(of: "-", with: "--") }.joined(separator: "-")
    }
}
