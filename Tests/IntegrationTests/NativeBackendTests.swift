import DeviceMapper
import Foundation
import Snapshots
import Testing

/// The native backend end to end against the real kernel, through the domain API.
@Suite(.serialized)
struct NativeBackendTests {
    /// A state directory with one file-backed pool, torn down by `close()`.
    final class Fixture {
        let stateDirectory = "/tmp/\(Rig.uniqueName("state"))"
        let poolName = Rig.uniqueName("p")
        let service: SnapshotService

        init(poolMiB: UInt64 = 512) throws {
            try Rig.requireKernel()
            service = try SnapshotService(stateDirectory: stateDirectory, lvmScope: .only([]))
            _ = try service.createFileBackedPool(name: poolName, sizeBytes: poolMiB << 20)
        }

        func close() {
            for disk in (try? service.describeDisks()) ?? [] where disk.record.poolName == poolName {
                _ = try? Rig.shell("umount \(disk.devicePath) 2>/dev/null; true")
            }
            for snapshot in (try? service.describeSnapshots()) ?? [] { try? service.deleteSnapshot(snapshot.id) }
            for disk in (try? service.describeDisks()) ?? [] { try? service.deleteDisk(disk.record.id) }
            try? service.deletePool(name: poolName)
            try? FileManager.default.removeItem(atPath: stateDirectory)
        }
    }

    static func checksum(_ path: String) throws -> String {
        try Rig.shell("dd if=\(path) bs=1M iflag=direct status=none | md5sum | cut -d' ' -f1")
    }

    @Test(.enabled(if: Rig.enabled))
    func resetDiskRestoresTheSnapshotAndKeepsIt() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let service = fixture.service
        let disk = try service.createDisk(sizeBytes: 64 << 20, name: "data", poolName: nil)
        let path = "/dev/mapper/dmsnap-\(disk.id)"
        #expect(FileManager.default.fileExists(atPath: path))
        try Rig.shell("dd if=/dev/urandom of=\(path) bs=1M count=16 oflag=direct status=none")
        let atSnapshot = try Self.checksum(path)

        let snapshot = try service.createSnapshot(diskId: disk.id, name: "before", description: "before the change")
        #expect(snapshot.id.hasPrefix("s-") && snapshot.id.count == 22)
        #expect(try DeviceMapper().info("dmsnap-\(disk.id)")?.isSuspended == false)
        try Rig.shell("dd if=/dev/urandom of=\(path) bs=1M count=16 oflag=direct status=none")
        #expect(try Self.checksum(path) != atSnapshot)

        try service.resetDisk(disk.id, toSnapshot: snapshot.id)
        #expect(try Self.checksum(path) == atSnapshot)
        #expect(try service.describeSnapshots().map(\.id) == [snapshot.id], "the snapshot survives the rollback")
        #expect(try service.describeDisks().map(\.record.id) == [disk.id], "the disk keeps its ID")

        // A second rollback to the same snapshot works too.
        try Rig.shell("dd if=/dev/zero of=\(path) bs=1M count=4 oflag=direct status=none")
        try service.resetDisk(disk.id, toSnapshot: snapshot.id)
        #expect(try Self.checksum(path) == atSnapshot)
    }

    @Test(.enabled(if: Rig.enabled))
    func aCloneReadsAsTheSnapshotAndWritesLeaveTheOriginAlone() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let service = fixture.service
        let disk = try service.createDisk(sizeBytes: 32 << 20, name: nil, poolName: fixture.poolName)
        let origin = "/dev/mapper/dmsnap-\(disk.id)"
        try Rig.shell("dd if=/dev/urandom of=\(origin) bs=1M count=8 oflag=direct status=none")
        let snapshot = try service.createSnapshot(diskId: disk.id, name: nil)
        let originSum = try Self.checksum(origin)

        let clone = try service.cloneDisk(fromSnapshot: snapshot.id, name: "clone")
        let clonePath = "/dev/mapper/dmsnap-\(clone.id)"
        #expect(clone.id != disk.id && clone.sourceSnapshotId == snapshot.id)
        #expect(try Self.checksum(clonePath) == originSum)
        try Rig.shell("dd if=/dev/zero of=\(clonePath) bs=1M count=8 oflag=direct status=none")
        #expect(try Self.checksum(origin) == originSum)
        #expect(try Self.checksum(clonePath) != originSum)
    }

    @Test(.enabled(if: Rig.enabled))
    func aMountedDiskIsRefusedForRollbackNamingTheMountPoint() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let service = fixture.service
        let disk = try service.createDisk(sizeBytes: 64 << 20, name: "mounted", poolName: nil)
        let path = "/dev/mapper/dmsnap-\(disk.id)"
        let mountPoint = "/tmp/\(Rig.uniqueName("mnt"))"
        try Rig.shell("mkfs.ext4 -q \(path) && mkdir -p \(mountPoint) && mount \(path) \(mountPoint) && echo one > \(mountPoint)/file")
        defer { _ = try? Rig.shell("umount \(mountPoint); rmdir \(mountPoint)") }
        // A snapshot of a mounted disk is fine: suspend with lockfs freezes the filesystem.
        let snapshot = try service.createSnapshot(diskId: disk.id, name: "mounted-snap")
        #expect(snapshot.holdWindowMicroseconds > 0)

        let error = try #require(throws: SnapshotsError.self) { try service.resetDisk(disk.id, toSnapshot: snapshot.id) }
        #expect(error.code == .incorrectDiskStatus)
        #expect(error.message.contains(mountPoint))
        try Rig.shell("echo two > \(mountPoint)/file && umount \(mountPoint)")
        try service.resetDisk(disk.id, toSnapshot: snapshot.id)
        try Rig.shell("mount \(path) \(mountPoint)")
        #expect(try Rig.shell("cat \(mountPoint)/file") == "one\n", "the file written before the snapshot, flushed by the freeze")
    }

    @Test(.enabled(if: Rig.enabled))
    func activateBringsBackPoolsAndDisksAfterEveryDeviceIsRemoved() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let service = fixture.service
        let disk = try service.createDisk(sizeBytes: 32 << 20, name: "survivor", poolName: nil)
        let path = "/dev/mapper/dmsnap-\(disk.id)"
        try Rig.shell("dd if=/dev/urandom of=\(path) bs=1M count=4 oflag=direct status=none")
        let before = try Self.checksum(path)
        _ = try service.createSnapshot(diskId: disk.id, name: nil)

        // A simulated reboot: every device of this pool and its loop devices go.
        let deviceMapper = DeviceMapper()
        try deviceMapper.remove("dmsnap-\(disk.id)")
        try deviceMapper.remove(try PoolDevice.manifest(fixture.poolName))
        try deviceMapper.remove(try PoolDevice.name(fixture.poolName))
        for file in ["data", "metadata"] {
            try Rig.shell("losetup -j \(fixture.stateDirectory)/pools/\(fixture.poolName)/\(file).img | cut -d: -f1 | xargs -r losetup -d")
        }
        #expect(!FileManager.default.fileExists(atPath: path))

        let activated = try service.activate()
        #expect(activated.activated.contains("dmsnap-\(disk.id)") && activated.problems.isEmpty, "\(activated)")
        #expect(try Self.checksum(path) == before)
        let again = try service.activate()
        #expect(again.activated.isEmpty && again.problems.isEmpty, "activate is idempotent")
    }

    @Test(.enabled(if: Rig.enabled))
    func deleteSnapshotAndDiskFreeTheirBlocks() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let service = fixture.service
        let disk = try service.createDisk(sizeBytes: 32 << 20, name: nil, poolName: nil)
        try Rig.shell("dd if=/dev/urandom of=/dev/mapper/dmsnap-\(disk.id) bs=1M count=8 oflag=direct status=none")
        let snapshot = try service.createSnapshot(diskId: disk.id, name: nil)
        try Rig.shell("dd if=/dev/urandom of=/dev/mapper/dmsnap-\(disk.id) bs=1M count=8 oflag=direct status=none")
        let used = { try service.listPools().first { $0.record.name == fixture.poolName }?.status?.details?.data.used ?? 0 }
        // The pool's manifest holds a block in each of its two slots.
        let manifestBlocks: UInt64 = 2
        #expect(try used() == 256 + manifestBlocks)
        try service.deleteSnapshot(snapshot.id)
        #expect(try used() == 128 + manifestBlocks)
        #expect(throws: SnapshotsError.self) { try service.deleteSnapshot(snapshot.id) }
        try service.deleteDisk(disk.id)
        #expect(try used() == manifestBlocks)
        #expect(try service.describeDisks().isEmpty)
    }

    @Test(.enabled(if: Rig.enabled))
    func anExposedSnapshotIsReadOnlyAndCanBeHiddenAgain() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let service = fixture.service
        let disk = try service.createDisk(sizeBytes: 32 << 20, name: nil, poolName: nil)
        try Rig.shell("printf exposed | dd of=/dev/mapper/dmsnap-\(disk.id) conv=fsync status=none")
        let snapshot = try service.createSnapshot(diskId: disk.id, name: nil)
        #expect(!FileManager.default.fileExists(atPath: "/dev/mapper/dmsnap-\(snapshot.id)"), "snapshots stay inactive")

        let path = try service.exposeSnapshot(snapshot.id)
        #expect(try Rig.shell("head -c 7 \(path)") == "exposed")
        #expect(try DeviceMapper().info("dmsnap-\(snapshot.id)")?.isReadOnly == true)
        #expect(throws: RigError.self) { try Rig.shell("printf x | dd of=\(path) oflag=direct status=none 2>&1") }
        try service.hideSnapshot(snapshot.id)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test(.enabled(if: Rig.enabled))
    func poolsWithDisksAndOpenDisksAreNotDeleted() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let service = fixture.service
        let disk = try service.createDisk(sizeBytes: 32 << 20, name: "held", poolName: nil)
        let poolError = try #require(throws: SnapshotsError.self) { try service.deletePool(name: fixture.poolName) }
        #expect(poolError.message.contains("1 disk"))

        let opener = try #require(FileHandle(forReadingAtPath: "/dev/mapper/dmsnap-\(disk.id)"))
        defer { try? opener.close() }
        let diskError = try #require(throws: SnapshotsError.self) { try service.deleteDisk(disk.id) }
        #expect(diskError.code == .incorrectDiskStatus && diskError.message.contains("open"))
        #expect(try service.describeDisks().count == 1)
    }

    @Test(.enabled(if: Rig.enabled))
    func resetDisksRollsSeveralDisksBackAndChecksEveryPairFirst() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let service = fixture.service
        var pairs: [(diskId: String, snapshotId: String)] = []
        var sums: [String] = []
        for _ in 0..<2 {
            let disk = try service.createDisk(sizeBytes: 16 << 20, name: nil, poolName: nil)
            try Rig.shell("dd if=/dev/urandom of=/dev/mapper/dmsnap-\(disk.id) bs=1M count=2 oflag=direct status=none")
            sums.append(try Self.checksum("/dev/mapper/dmsnap-\(disk.id)"))
            pairs.append((disk.id, try service.createSnapshot(diskId: disk.id, name: nil).id))
            try Rig.shell("dd if=/dev/zero of=/dev/mapper/dmsnap-\(disk.id) bs=1M count=2 oflag=direct status=none")
        }
        // A bad pair anywhere means no disk is touched.
        #expect(throws: SnapshotsError.self) {
            try service.resetDisks([pairs[0], (pairs[1].diskId, pairs[0].snapshotId)])
        }
        #expect(try Self.checksum("/dev/mapper/dmsnap-\(pairs[0].diskId)") != sums[0])

        try service.resetDisks(pairs)
        #expect(try Self.checksum("/dev/mapper/dmsnap-\(pairs[0].diskId)") == sums[0])
        #expect(try Self.checksum("/dev/mapper/dmsnap-\(pairs[1].diskId)") == sums[1])
    }
}
