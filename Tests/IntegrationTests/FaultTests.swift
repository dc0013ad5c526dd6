import DeviceMapper
import Foundation
import Snapshots
import Testing

/// A native pool under faults: its data and metadata devices are dm linear
/// devices over loop files, so a test can swap their tables for error,
/// flakey or delay targets under the running pool. Whatever happens, a refusal
/// is a clear error, nothing is left suspended and no half-made snapshot is
/// listed.
@Suite(.serialized)
struct FaultTests {
    final class Fixture {
        let stateDirectory = "/tmp/\(Rig.uniqueName("faults"))"
        let poolName = Rig.uniqueName("f")
        let dataName = Rig.uniqueName("fdata"), metadataName = Rig.uniqueName("fmeta")
        let data: LoopDevice, metadata: LoopDevice
        let service: SnapshotService
        let cli: CLI
        var poolDevice: String { (try? PoolDevice.name(poolName)) ?? "dmsnap-pool-\(poolName)-unknown" }

        /// `zeroDataGiB` puts the data on a zero target of that size instead
        /// (writes vanish, reads are zeros: room for many blocks in no memory);
        /// `metadataMappedMiB` maps only the start of the metadata loop device,
        /// so that it can be grown later.
        init(dataMiB: Int, metadataMiB: Int = 8, zeroDataGiB: Int? = nil, metadataMappedMiB: Int? = nil) throws {
            try Rig.requireKernel()
            try Rig.shell("modprobe -a dm-flakey dm-delay")
            let data = try LoopDevice.attach(sizeMiB: dataMiB), metadata = try LoopDevice.attach(sizeMiB: metadataMiB)
            (self.data, self.metadata) = (data, metadata)
            let dataTable = try zeroDataGiB.map { "0 \($0 << 21) zero" } ?? Self.linear(data)
            let metadataTable = try metadataMappedMiB.map { "0 \($0 << 11) linear \(metadata.path) 0" } ?? Self.linear(metadata)
            try Rig.shell("dmsetup create \(dataName) --table '\(dataTable)'")
            try Rig.shell("dmsetup create \(metadataName) --table '\(metadataTable)'")
            service = try SnapshotService(stateDirectory: stateDirectory, lvmScope: .only([]))
            cli = CLI(stateDirectory: stateDirectory)
            _ = try service.createPool(name: poolName, dataDevice: "/dev/mapper/\(dataName)",
                                       metadataDevice: "/dev/mapper/\(metadataName)", blockSizeSectors: 128)
        }

        static func linear(_ loop: LoopDevice) throws -> String { "0 \(try loop.sectors) linear \(loop.path) 0" }

        /// Replaces the live table of the data or metadata device (`TARGET ARGS` after the length).
        func swap(_ name: String, _ loop: LoopDevice, to target: String) throws {
            try Rig.shell("dmsetup reload \(name) --table '0 \(try loop.sectors) \(target)' && dmsetup resume \(name)")
        }

        /// The pool's thin-pool line with `features` instead of its own.
        func reloadPool(features: [String]) throws {
            try Self.reloadPool(poolDevice, features: features)
        }

        /// A thin-pool device's line with `features` instead of its own.
        static func reloadPool(_ device: String, features: [String]) throws {
            let line = try #require(try DeviceMapper().table(device).first)
            let words = line.parameters.split(separator: " ").prefix(4).joined(separator: " ")
            try DeviceMapper().reload(device, table: [TargetLine(start: 0, length: line.length, type: "thin-pool",
                                                                 parameters: "\(words) \(features.count) \(features.joined(separator: " "))")])
        }

        var mode: ThinPoolStatus.Mode { get throws { try DeviceMapper().thinPoolStatus(poolDevice).mode } }

        func expectNothingSuspended() throws {
            let disks = try service.describeDisks().map { "dmsnap-\($0.record.id)" }
            for name in [poolDevice, dataName, metadataName] + disks {
                #expect(try DeviceMapper().info(name)?.isSuspended == false, "\(name) is not left suspended")
            }
        }

        /// Tears down by hand: a pool in a failed mode cannot be asked to delete anything.
        func close() {
            for disk in (try? service.describeDisks()) ?? [] {
                _ = try? Rig.shell("dmsetup remove --retry dmsnap-\(disk.record.id) 2>/dev/null; true")
            }
            _ = try? Rig.shell("dmsetup remove --retry \((try? PoolDevice.manifest(poolName)) ?? "none") 2>/dev/null; true")
            _ = try? Rig.shell("dmsetup remove --retry \(poolDevice); dmsetup remove --retry \(dataName); dmsetup remove --retry \(metadataName)")
            data.detach()
            metadata.detach()
            _ = try? Rig.shell("rm -rf \(stateDirectory)")
        }
    }

    /// The pool runs out of data space while a disk is written after a
    /// snapshot. With either no-space policy the writes fail (queue: after the
    /// kernel's no_space_timeout), the pool reports out_of_data_space, and a
    /// new snapshot is refused saying so; the snapshot list is unchanged and
    /// deleting a snapshot (which frees space) still works.
    @Test(.enabled(if: Rig.enabled), arguments: ["queue_if_no_space", "error_if_no_space"])
    func aPoolOutOfDataSpaceRefusesSnapshotsAndKeepsNoHalfRecord(policy: String) throws {
        let fixture = try Fixture(dataMiB: 32)
        let timeout = "/sys/module/dm_thin_pool/parameters/no_space_timeout"
        let savedTimeout = try Rig.shell("cat \(timeout)").trimmingCharacters(in: .whitespacesAndNewlines)
        defer {
            _ = try? Rig.shell("echo \(savedTimeout) > \(timeout)")
            fixture.close()
        }
        try Rig.shell("echo 3 > \(timeout)")
        if policy == "error_if_no_space" { try fixture.reloadPool(features: [policy]) }
        let disk = try fixture.service.createDisk(sizeBytes: 128 << 20, name: "full", poolName: fixture.poolName)
        let path = "/dev/mapper/dmsnap-\(disk.id)"
        try Rig.shell("dd if=/dev/urandom of=\(path) bs=1M count=20 oflag=direct status=none")
        let kept = try fixture.service.createSnapshot(diskId: disk.id, name: "kept")
        // Overwriting the 20 MiB the snapshot shares needs 20 MiB more: the 32 MiB pool runs out.
        #expect(throws: RigError.self, "writes past the pool's end fail (\(policy))") {
            try Rig.shell("dd if=/dev/urandom of=\(path) bs=1M count=20 oflag=direct status=none")
        }
        #expect(try fixture.mode == .outOfDataSpace)
        let status = try fixture.cli.succeed(["pool", "status", fixture.poolName])
        #expect(status.contains("out_of_data_space"), "pool status reports the mode: \(status)")

        let before = try fixture.service.describeSnapshots().map(\.id)
        let refused = try fixture.cli.run(["CreateSnapshot", "--DiskId", disk.id])
        #expect(refused.status != 0)
        #expect(refused.errors.contains(fixture.poolName) && refused.errors.contains("out of data space"), "\(refused.errors)")
        #expect(try fixture.service.describeSnapshots().map(\.id) == before, "no half-made snapshot")
        try fixture.expectNothingSuspended()
        try fixture.service.deleteSnapshot(kept.id)
        #expect(try fixture.service.describeSnapshots().isEmpty, "deleting frees space and works on a full pool")
    }

    /// A pool the kernel made read-only, and one whose metadata device fails
    /// under it: both are reported, snapshots are refused naming the pool and
    /// the cause, and nothing stays suspended.
    @Test(.enabled(if: Rig.enabled))
    func aReadOnlyPoolAndAFailingMetadataDeviceAreReportedAndRefused() throws {
        let fixture = try Fixture(dataMiB: 64)
        defer { fixture.close() }
        let disk = try fixture.service.createDisk(sizeBytes: 32 << 20, name: "ro", poolName: fixture.poolName)
        try fixture.reloadPool(features: ["read_only"])
        #expect(try fixture.mode == .readOnly)
        let readOnly = try fixture.cli.run(["CreateSnapshot", "--DiskId", disk.id])
        #expect(readOnly.status != 0 && readOnly.errors.contains("read-only") && readOnly.errors.contains(fixture.poolName),
                "\(readOnly.errors)")
        let status = try fixture.cli.succeed(["pool", "status", fixture.poolName])
        #expect(status.range(of: #"Mode:\s+ro\b"#, options: .regularExpression) != nil, "the kernel's word for it: \(status)")
        try fixture.reloadPool(features: [])
        #expect(try fixture.mode == .readWrite)

        // The metadata device starts failing: the snapshot's commit cannot be written.
        try fixture.swap(fixture.metadataName, fixture.metadata, to: "error")
        let failing = try fixture.cli.run(["CreateSnapshot", "--DiskId", disk.id])
        #expect(failing.status != 0, "a snapshot on a pool whose metadata fails: \(failing.output)")
        #expect(failing.errors.contains(fixture.poolName) || failing.errors.contains("dmsnap-pool"), "\(failing.errors)")
        #expect(try fixture.mode != .readWrite, "the kernel took the pool out of read-write")
        try fixture.expectNothingSuspended()
        let again = try fixture.cli.run(["CreateSnapshot", "--DiskId", disk.id])
        #expect(again.status != 0 && again.errors.contains(fixture.poolName), "\(again.errors)")
        #expect(try fixture.service.describeSnapshots().isEmpty, "no snapshot is listed as made")
    }

    /// The pool runs out of metadata space (a 2 MiB metadata device, filled
    /// with block mappings by writes one per data block): the kernel stops
    /// metadata changes and reports the pool read-only with its metadata
    /// fully used. A snapshot is refused as out of metadata space, naming the
    /// pool and what to do; nothing is listed or left suspended. Once the
    /// metadata device is grown and the pool resumed, snapshots work again and
    /// nothing was lost.
    @Test(.enabled(if: Rig.enabled))
    func aPoolOutOfMetadataSpaceRefusesSnapshotsUntilItsMetadataGrows() throws {
        let fixture = try Fixture(dataMiB: 1, metadataMiB: 8, zeroDataGiB: 64, metadataMappedMiB: 2)
        defer { fixture.close() }
        let disk = try fixture.service.createDisk(sizeBytes: 32 << 30, name: "mappings", poolName: fixture.poolName)
        let kept = try fixture.service.createSnapshot(diskId: disk.id, name: "kept")
        let path = "/dev/mapper/dmsnap-\(disk.id)"
        // One 4 KiB write per 64 KiB data block, a chunk at a time, until the kernel stops the pool.
        let written = try Rig.shell("""
            python3 - \(path) <<'PY'
            import os, sys
            fd = os.open(sys.argv[1], os.O_WRONLY)
            block = 0
            try:
                while block < 500_000:
                    for _ in range(4096):
                        os.pwrite(fd, b"m" * 4096, block * 65536)
                        block += 1
                    os.fsync(fd)
            except OSError as error:
                print(block, error.errno)
            else:
                print(block, 0)
            PY
            """)
        #expect(written.split(separator: " ").last?.hasPrefix("0") == false, "the writes ran out of metadata: \(written)")
        let usage = try #require(try DeviceMapper().thinPoolStatus(fixture.poolDevice).details)
        #expect(try fixture.mode == .readOnly && usage.isOutOfMetadataSpace, "\(usage.metadata)")

        let before = try fixture.service.describeSnapshots().map(\.id)
        let refused = try fixture.cli.run(["CreateSnapshot", "--DiskId", disk.id])
        #expect(refused.status != 0)
        #expect(refused.errors.contains(fixture.poolName) && refused.errors.contains("out of metadata space")
                && refused.errors.contains("InsufficientBalance.Space"), "\(refused.errors)")
        let status = try fixture.cli.succeed(["pool", "status", fixture.poolName])
        #expect(status.range(of: #"Mode:\s+ro\b"#, options: .regularExpression) != nil, "\(status)")
        #expect(try fixture.service.describeSnapshots().map(\.id) == before, "no half-made snapshot")
        try fixture.expectNothingSuspended()

        // Grown to 8 MiB and the pool resumed, the kernel takes it back to read-write.
        try fixture.swap(fixture.metadataName, fixture.metadata, to: "linear \(fixture.metadata.path) 0")
        try DeviceMapper().suspend(fixture.poolDevice)
        try DeviceMapper().resume(fixture.poolDevice)
        #expect(try fixture.mode == .readWrite)
        let after = try fixture.service.createSnapshot(diskId: disk.id, name: "after")
        #expect(Set(try fixture.service.describeSnapshots().map(\.id)) == [kept.id, after.id])
        try Agreement.check(stateDirectory: fixture.stateDirectory, poolName: fixture.poolName)
    }

    /// A data device that drops in and out (dm-flakey, failing writes while
    /// down) and one that is slow (dm-delay) under a mounted, written disk:
    /// each snapshot either works or fails clearly, and afterwards nothing is
    /// suspended and the catalog agrees with the pool.
    @Test(.enabled(if: Rig.enabled), arguments: ["flakey", "delay"])
    func aFlakeyOrSlowDataDeviceLeavesNothingSuspended(fault: String) throws {
        let fixture = try Fixture(dataMiB: 256)
        let mountPoint = "/tmp/\(Rig.uniqueName("fmnt"))"
        defer {
            _ = try? Rig.shell("umount \(mountPoint) 2>/dev/null; rmdir \(mountPoint)")
            fixture.close()
        }
        let disk = try fixture.service.createDisk(sizeBytes: 64 << 20, name: "shaky", poolName: fixture.poolName)
        let path = "/dev/mapper/dmsnap-\(disk.id)"
        try Rig.shell("mkfs.ext4 -q \(path) && mkdir -p \(mountPoint) && mount \(path) \(mountPoint)")
        let device = fault == "flakey"
            ? "flakey \(fixture.data.path) 0 1 1 1 error_writes"
            : "delay \(fixture.data.path) 0 0 \(fixture.data.path) 0 500"
        try fixture.swap(fixture.dataName, fixture.data, to: device)
        var made = 0, refused: [String] = []
        for round in 1...4 {
            _ = try? Rig.shell("dd if=/dev/urandom of=\(mountPoint)/f\(round) bs=64k count=16 status=none")
            let result = try fixture.cli.run(["CreateSnapshot", "--DiskId", disk.id])
            if result.status == 0 { made += 1 } else {
                refused.append(result.errors)
                #expect(result.errors.contains("\"Code\"") && !result.errors.contains("Fatal error"), "\(result.errors)")
            }
            try fixture.expectNothingSuspended()
        }
        try fixture.swap(fixture.dataName, fixture.data, to: "linear \(fixture.data.path) 0")
        _ = try? Rig.shell("umount \(mountPoint)")
        if try fixture.mode == .readWrite {
            try Agreement.check(stateDirectory: fixture.stateDirectory, poolName: fixture.poolName)
        }
        #expect(made + refused.count == 4, "\(fault): \(made) made, \(refused.count) refused")
        if fault == "delay" { #expect(made == 4, "a slow device only makes snapshots slow; refused: \(refused)") }
    }
}
