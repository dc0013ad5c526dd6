import DeviceMapper
import Foundation
import Testing

/// The device-mapper binding against the real kernel: linear and zero devices,
/// tables, suspend and resume under a mounted filesystem.
@Suite(.serialized)
struct DeviceLifecycleTests {
    let deviceMapper = DeviceMapper()

    @Test(.enabled(if: Rig.enabled))
    func reportsLibraryAndDriverVersions() throws {
        try Rig.requireKernel()
        #expect(deviceMapper.libraryVersion.hasPrefix("1.02."))
        let driver = try deviceMapper.driverVersion()
        #expect(driver.split(separator: ".").count == 3, "driver version \(driver)")
    }

    @Test(.enabled(if: Rig.enabled))
    func createsAZeroDeviceAndRemovesIt() throws {
        try Rig.requireKernel()
        let name = Rig.uniqueName("zero")
        try deviceMapper.create(name, uuid: "DMSNAPTEST-\(name)",
                                table: [TargetLine(start: 0, length: 2048, type: "zero", parameters: "")])
        let info = try #require(try deviceMapper.info(name))
        #expect(info.uuid == "DMSNAPTEST-\(name)")
        #expect(info.hasLiveTable && !info.isSuspended && info.openCount == 0)
        // udev synchronisation means the node exists when create returns.
        #expect(FileManager.default.fileExists(atPath: "/dev/mapper/\(name)"))
        #expect(try deviceMapper.list().contains { $0.name == name && $0.number == info.number })
        #expect(try deviceMapper.table(name) == [TargetLine(start: 0, length: 2048, type: "zero", parameters: "")])
        #expect(try Rig.shell("blockdev --getsz /dev/mapper/\(name)").trimmingCharacters(in: .whitespacesAndNewlines) == "2048")

        try deviceMapper.remove(name)
        #expect(try deviceMapper.info(name) == nil)
        #expect(!FileManager.default.fileExists(atPath: "/dev/mapper/\(name)"))
    }

    /// The CLI's own view: `dmsnap version` names the three versions, and
    /// `dmsnap dm ls --json` lists a device with its target and state.
    @Test(.enabled(if: Rig.enabled))
    func versionAndDmLsShowTheKernelsDevices() throws {
        try Rig.requireKernel()
        let cli = CLI(stateDirectory: "/tmp/\(Rig.uniqueName("dmls"))")
        let version = try cli.succeed(["version"], stateful: false)
        let driver = try deviceMapper.driverVersion()
        #expect(version.contains(deviceMapper.libraryVersion) && version.contains(driver), "\(version)")
        let name = Rig.uniqueName("listed")
        try deviceMapper.create(name, uuid: "DMSNAPTEST-\(name)", table: [TargetLine(start: 0, length: 2048, type: "zero", parameters: "")])
        defer { try? deviceMapper.remove(name) }
        try deviceMapper.suspend(name, options: [.skipLockfs])
        let rows = try JSONSerialization.jsonObject(with: Data(try cli.succeed(["dm", "ls", "--json"], stateful: false).utf8)) as? [[String: Any]]
        try deviceMapper.resume(name)
        let row = try #require(rows?.first { $0["name"] as? String == name }, "\(rows ?? [])")
        let number = try #require(try deviceMapper.info(name)).number.description
        #expect(row["targets"] as? [String] == ["zero"] && row["suspended"] as? Bool == true)
        #expect(row["uuid"] as? String == "DMSNAPTEST-\(name)" && row["device"] as? String == number)
    }

    /// A device that udev or blkid holds open for a moment is removed once
    /// they let go (libdevmapper's retried remove), not refused as busy.
    @Test(.enabled(if: Rig.enabled))
    func removeWaitsForABriefHolder() throws {
        try Rig.requireKernel()
        let name = Rig.uniqueName("held")
        try deviceMapper.create(name, table: [TargetLine(start: 0, length: 2048, type: "zero", parameters: "")])
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/bin/sh")
        holder.arguments = ["-c", "exec sleep 1 < /dev/mapper/\(name)"]
        try holder.run()
        while try deviceMapper.info(name)?.openCount == 0 && holder.isRunning { Thread.sleep(forTimeInterval: 0.02) }
        #expect(try deviceMapper.info(name)?.openCount == 1, "held while remove starts")
        try deviceMapper.remove(name)
        #expect(try deviceMapper.info(name) == nil)
        holder.waitUntilExit()
    }

    @Test(.enabled(if: Rig.enabled))
    func withoutUdevLibdevmapperMakesTheNodeItself() throws {
        try Rig.requireKernel()
        let withoutUdev = DeviceMapper(udev: nil)
        let name = Rig.uniqueName("noudev")
        try withoutUdev.create(name, table: [TargetLine(start: 0, length: 2048, type: "zero", parameters: "")])
        #expect(FileManager.default.fileExists(atPath: "/dev/mapper/\(name)"))
        try withoutUdev.remove(name)
        #expect(try withoutUdev.info(name) == nil)
    }

    /// A resume that changes nothing returns without waiting for udev (no
    /// cookie, so no semaphore), and udev still handles the change event by
    /// itself: once it has, the device keeps its filesystem's link and
    /// properties.
    @Test(.enabled(if: Rig.enabled))
    func resumeUnchangedLeavesUdevToKeepTheLinksByItself() throws {
        try Rig.requireKernel()
        let loop = try LoopDevice.attach(sizeMiB: 16)
        defer { loop.detach() }
        let name = Rig.uniqueName("unchanged")
        try deviceMapper.create(name, table: [TargetLine(start: 0, length: try loop.sectors, type: "linear", parameters: "\(loop.path) 0")])
        defer { try? deviceMapper.remove(name) }
        try Rig.shell("mkfs.ext4 -q /dev/mapper/\(name) && udevadm settle")
        let uuid = try Rig.shell("blkid -p -s UUID -o value /dev/mapper/\(name)").trimmingCharacters(in: .whitespacesAndNewlines)
        let link = "/dev/disk/by-uuid/\(uuid)"
        let node = try FileManager.default.destinationOfSymbolicLink(atPath: "/dev/mapper/\(name)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link).hasSuffix(node), "\(link) before")
        let semaphores = try Rig.shell("ipcs -s | grep -c '^0x' || true")

        try deviceMapper.suspend(name, options: [.skipLockfs])
        try deviceMapper.resumeUnchanged(name)
        #expect(try deviceMapper.info(name)?.isSuspended == false)
        #expect(try Rig.shell("ipcs -s | grep -c '^0x' || true") == semaphores, "a resume without a cookie makes no semaphore")
        try Rig.shell("udevadm settle")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/dev/mapper/\(name)") == node)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link).hasSuffix(node), "\(link) after udev's own event")
        let properties = try Rig.shell("udevadm info --query=property /dev/mapper/\(name)")
        #expect(properties.contains("DM_NAME=\(name)") && properties.contains("ID_FS_TYPE=ext4"), "\(properties)")
    }

    @Test(.enabled(if: Rig.enabled))
    func linearDeviceMapsItsBackingDeviceAndReportsDeps() throws {
        try Rig.requireKernel()
        let loop = try LoopDevice.attach(sizeMiB: 16)
        defer { loop.detach() }
        let name = Rig.uniqueName("linear")
        let sectors = try loop.sectors
        try deviceMapper.create(name, table: [TargetLine(start: 0, length: sectors, type: "linear", parameters: "\(loop.path) 0")])
        defer { try? deviceMapper.remove(name) }

        try Rig.shell("printf dmsnap-marker | dd of=/dev/mapper/\(name) bs=512 seek=100 conv=fsync status=none")
        // Direct I/O: blkid may have cached the loop device's first blocks when it appeared.
        let read = try Rig.shell("dd if=\(loop.path) bs=512 skip=100 count=1 iflag=direct status=none | head -c 13")
        #expect(read == "dmsnap-marker")

        let loopNumber = try #require(DeviceNumber(try Rig.shell("lsblk -dno MAJ:MIN \(loop.path)").trimmingCharacters(in: .whitespaces.union(.newlines))))
        #expect(try deviceMapper.deps(name) == [loopNumber])
        let table = try deviceMapper.table(name)
        #expect(table == [TargetLine(start: 0, length: sectors, type: "linear", parameters: "\(loopNumber) 0")])
    }

    @Test(.enabled(if: Rig.enabled))
    func loadKeepsTheOldTableLiveUntilResume() throws {
        try Rig.requireKernel()
        let name = Rig.uniqueName("reload")
        try deviceMapper.create(name, table: [TargetLine(start: 0, length: 2048, type: "zero", parameters: "")])
        defer { try? deviceMapper.remove(name) }

        try deviceMapper.load(name, table: [TargetLine(start: 0, length: 4096, type: "error", parameters: "")])
        let loaded = try #require(try deviceMapper.info(name))
        #expect(loaded.hasInactiveTable)
        #expect(try deviceMapper.table(name).map(\.type) == ["zero"])

        try deviceMapper.suspend(name)
        #expect(try deviceMapper.info(name)?.isSuspended == true)
        try deviceMapper.resume(name)
        #expect(try deviceMapper.table(name) == [TargetLine(start: 0, length: 4096, type: "error", parameters: "")])
        #expect(try deviceMapper.info(name)?.hasInactiveTable == false)

        try deviceMapper.reload(name, table: [TargetLine(start: 0, length: 1024, type: "zero", parameters: "")])
        #expect(try deviceMapper.table(name) == [TargetLine(start: 0, length: 1024, type: "zero", parameters: "")])
        #expect(try deviceMapper.info(name)?.isSuspended == false)
    }

    @Test(.enabled(if: Rig.enabled))
    func suspendWithLockfsFlushesAMountedExt4AndResumeReleasesIt() throws {
        try Rig.requireKernel()
        let loop = try LoopDevice.attach(sizeMiB: 64)
        defer { loop.detach() }
        let name = Rig.uniqueName("ext4")
        try deviceMapper.create(name, table: [TargetLine(start: 0, length: try loop.sectors, type: "linear", parameters: "\(loop.path) 0")])
        let mountPoint = "/tmp/\(name)"
        try Rig.shell("mkfs.ext4 -q /dev/mapper/\(name) && mkdir -p \(mountPoint) && mount /dev/mapper/\(name) \(mountPoint)")
        defer {
            _ = try? deviceMapper.resume(name)
            _ = try? Rig.shell("umount \(mountPoint); rmdir \(mountPoint)")
            try? deviceMapper.remove(name)
        }
        // The mount holds the device open. Other programs open it for a moment
        // too (udev's blkid after mkfs, LVM scanning every block device for a
        // test beside this one), so wait for those opens to end.
        #expect(try openCountSettles(name, at: 1))

        // Buffered, not synced: only the freeze that lockfs performs writes it out.
        let marker = "lockfs-\(UInt32.random(in: 0...UInt32.max))"
        try Rig.shell("printf \(marker) > \(mountPoint)/file")
        try deviceMapper.suspend(name)
        #expect(try deviceMapper.info(name)?.isSuspended == true)
        #expect(try Rig.shell("grep -c \(marker) \(loop.backingFile) || true").hasPrefix("1"))
        try deviceMapper.resume(name)
        #expect(try deviceMapper.info(name)?.isSuspended == false)
        try Rig.shell("printf more >> \(mountPoint)/file && sync \(mountPoint)/file")

        try deviceMapper.suspend(name, options: [.skipLockfs])
        #expect(try deviceMapper.info(name)?.isSuspended == true)
        try deviceMapper.resume(name)
        try deviceMapper.suspend(name, options: [.skipLockfs, .noFlush])
        try deviceMapper.resume(name)
        #expect(try String(contentsOfFile: "\(mountPoint)/file", encoding: .utf8) == marker + "more")
    }

    /// Whether the device's open count comes to `expected` within ten seconds.
    private func openCountSettles(_ name: String, at expected: Int32) throws -> Bool {
        _ = try? Rig.shell("udevadm settle")
        for _ in 0..<100 {
            if try deviceMapper.info(name)?.openCount == expected { return true }
            usleep(100_000)
        }
        return false
    }
}
