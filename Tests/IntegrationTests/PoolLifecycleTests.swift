import DeviceMapper
import Foundation
import Testing

/// Issue 16, items 1, 3, 5 and 9: a native pool's life. Its devices carry its
/// own identity, so two state directories' pools of one name never meet in
/// the kernel; `pool create` and `pool delete` leave nothing behind however
/// they are stopped; `activate` brings up what it can; a rebuild follows no
/// link planted in the state directory.
@Suite(.serialized)
struct PoolLifecycleTests {
    static func stateDirectory(_ stem: String) -> String { "/tmp/\(Rig.uniqueName(stem))" }

    static func newDisk(_ cli: CLI, pool: String, name: String) throws -> String {
        let output = try cli.succeed(["disk", "create", "16M", "--name", name, "--pool", pool])
        return try #require(output.split(separator: " ").first { $0.hasPrefix("d-") }.map(String.init), "\(output)")
    }

    static func files(_ cli: CLI, _ pool: String) -> [String] {
        ["data", "metadata"].map { "\(cli.stateDirectory)/pools/\(pool)/\($0).img" }
    }

    /// What a reboot takes: every device of the pool, and its loop devices.
    /// `device`: the pool's, when another state directory has one of the same name.
    static func reboot(_ cli: CLI, pool: String, disks: [String], device: String? = nil) throws {
        let deviceMapper = DeviceMapper()
        for disk in disks { try deviceMapper.remove("dmsnap-\(disk)") }
        let device = try device ?? PoolDevice.name(pool)
        try deviceMapper.remove(device.replacingOccurrences(of: "dmsnap-pool-", with: "dmsnap-manifest-"))
        try deviceMapper.remove(device)
        for file in files(cli, pool) { try Rig.shell("losetup -j \(file) | cut -d: -f1 | xargs -r losetup -d") }
    }

    /// Whatever of pool `pool` is left: its devices, its directory, loop devices on its files.
    static func leftovers(_ cli: CLI, _ pool: String) throws -> [String] {
        let loops = try files(cli, pool).flatMap { file in
            try Rig.shell("losetup -j \(file)").split(separator: "\n").map(String.init)
        }
        let directory = "\(cli.stateDirectory)/pools/\(pool)"
        return try PoolDevice.all(pool) + PoolDevice.all(pool, kind: "manifest") + loops
            + (FileManager.default.fileExists(atPath: directory) ? [directory] : [])
            + (cli.succeed(["pool", "list"]).contains(pool) ? ["the catalog's record"] : [])
    }

    static func remove(_ cli: CLI) {
        _ = try? Rig.shell("rm -rf \(cli.stateDirectory)")
    }

    /// Item 1, the issue's scenario: A's pool and disk; A "reboots"; B makes a
    /// pool of the same name and writes its disk; A's activate must bring up
    /// A's own pool and map A's disk on it, never B's (before: A's disk read
    /// B-DATA, mapped on B's pool and thin id). A device planted under A's
    /// pool's name is refused by activate and by recover, naming it.
    @Test(.enabled(if: Rig.enabled))
    func twoStateDirectoriesWithOnePoolNameNeverShareADevice() throws {
        try Rig.requireKernel()
        let a = CLI(stateDirectory: Self.stateDirectory("dirA")), b = CLI(stateDirectory: Self.stateDirectory("dirB"))
        let pool = Rig.uniqueName("same")
        defer {
            for cli in [a, b] {
                _ = try? cli.run(["activate"])
                for disk in (try? cli.succeed(["disks"]))?.split(whereSeparator: \.isWhitespace).filter({ $0.hasPrefix("d-") }) ?? [] {
                    _ = try? cli.run(["disk", "delete", String(disk)])
                }
                _ = try? cli.run(["pool", "delete", pool])
                Self.remove(cli)
            }
        }
        _ = try a.succeed(["pool", "create", pool, "--file-backed", "256M"])
        let diskA = try Self.newDisk(a, pool: pool, name: Rig.uniqueName("ina"))
        try Rig.shell("printf A-DATA | dd of=/dev/mapper/dmsnap-\(diskA) oflag=direct bs=512 conv=sync status=none")
        try Self.reboot(a, pool: pool, disks: [diskA])

        _ = try b.succeed(["pool", "create", pool, "--file-backed", "256M"])
        let diskB = try Self.newDisk(b, pool: pool, name: Rig.uniqueName("inb"))
        try Rig.shell("printf B-DATA | dd of=/dev/mapper/dmsnap-\(diskB) oflag=direct bs=512 conv=sync status=none")
        let poolB = try PoolDevice.name(pool)
        let thinIdsB = try Agreement.thinIds(pool: poolB)

        let activated = try a.run(["activate"])
        #expect(activated.status == 0, "\(activated.errors)")
        let devices = try PoolDevice.all(pool)
        #expect(devices.count == 2, "each state directory's pool has its own device: \(devices)")
        let poolA = try #require(devices.first { $0 != poolB })
        let tableA = try DeviceMapper().table("dmsnap-\(diskA)").first?.parameters ?? ""
        #expect(tableA.hasPrefix(try #require(try DeviceMapper().info(poolA)).number.description + " "),
                "A's disk is mapped on A's pool: \(tableA)")
        #expect(try Rig.shell("head -c 6 /dev/mapper/dmsnap-\(diskA)") == "A-DATA")
        #expect(try Rig.shell("head -c 6 /dev/mapper/dmsnap-\(diskB)") == "B-DATA")
        _ = try a.succeed(["snapshot", "create", diskA])
        #expect(try Agreement.thinIds(pool: poolB) == thinIdsB, "A's snapshot made nothing in B's pool")
        _ = try b.succeed(["snapshot", "create", diskB])
        try Agreement.check(stateDirectory: a.stateDirectory, poolName: pool, poolDevice: poolA)
        try Agreement.check(stateDirectory: b.stateDirectory, poolName: pool, poolDevice: poolB)

        // A device under A's pool's name that is not A's pool, and an
        // operation of A's left for recover (killed after its intent).
        let killed = try a.run(["disk", "create", "16M", "--pool", pool], environment: ["DMSNAP_CRASH_AT": "createDisk.afterIntent"])
        #expect(killed.killed)
        try Self.reboot(a, pool: pool, disks: [diskA], device: poolA)
        try Rig.shell("dmsetup create \(poolA) --uuid DMSNAP-POOLID-planted-\(pool) --table '0 2048 zero'")
        defer { _ = try? Rig.shell("dmsetup remove \(poolA)") }
        for command in [["recover"], ["activate"]] {
            let refused = try a.run(command)
            #expect(refused.status != 0 && refused.errors.contains(poolA) && refused.errors.contains("not pool \(pool)'s"),
                    "\(command) names the device it does not own: \(refused.errors)")
            #expect(try DeviceMapper().info("dmsnap-\(diskA)") == nil, "A's disk is mapped on nothing")
            #expect(try DeviceMapper().table(poolA).first?.type == "zero", "the planted device is left as it was")
        }
        #expect(try Rig.shell("head -c 6 /dev/mapper/dmsnap-\(diskB)") == "B-DATA")
    }

    /// Item 3: one pool whose data file is gone does not keep the others
    /// down. activate brings up the other pool and its disk, names the pool
    /// and the file it could not use, and exits 1 (before: it stopped at the
    /// first losetup failure and brought up nothing after it).
    @Test(.enabled(if: Rig.enabled))
    func activateBringsUpEveryPoolItCanAndNamesTheOneItCannot() throws {
        try Rig.requireKernel()
        let cli = CLI(stateDirectory: Self.stateDirectory("partial"))
        let broken = Rig.uniqueName("broken"), healthy = Rig.uniqueName("healthy")
        defer {
            _ = try? cli.run(["activate"])
            for disk in (try? cli.succeed(["disks"]))?.split(whereSeparator: \.isWhitespace).filter({ $0.hasPrefix("d-") }) ?? [] {
                _ = try? cli.run(["disk", "delete", String(disk)])
            }
            _ = try? cli.run(["pool", "delete", healthy])
            _ = try? Rig.shell("dmsetup remove \(try PoolDevice.manifest(broken)); dmsetup remove \(try PoolDevice.name(broken))")
            for file in Self.files(cli, broken) { _ = try? Rig.shell("losetup -j \(file) | cut -d: -f1 | xargs -r losetup -d") }
            Self.remove(cli)
        }
        // The broken pool first, so that it is met first.
        _ = try cli.succeed(["pool", "create", broken, "--file-backed", "64M"])
        let lost = try Self.newDisk(cli, pool: broken, name: Rig.uniqueName("lost"))
        _ = try cli.succeed(["pool", "create", healthy, "--file-backed", "64M"])
        let kept = try Self.newDisk(cli, pool: healthy, name: Rig.uniqueName("kept"))
        try Self.reboot(cli, pool: broken, disks: [lost])
        try Self.reboot(cli, pool: healthy, disks: [kept])
        let missing = Self.files(cli, broken)[0]
        try FileManager.default.removeItem(atPath: missing)

        let result = try cli.run(["activate"])
        #expect(result.status == 1)
        #expect(result.errors.contains("pool \(broken)") && result.errors.contains(missing), "\(result.errors)")
        #expect(!result.errors.contains("disk \(lost)"),
                "the disks of a pool that could not come up are not tried: \(result.errors)")
        let healthyDevice = try PoolDevice.name(healthy)
        #expect(result.output.contains("dmsnap-\(kept)") && result.output.contains(healthyDevice), "\(result.output)")
        #expect(try DeviceMapper().info("dmsnap-\(kept)") != nil)
        try Agreement.check(stateDirectory: cli.stateDirectory, poolName: healthy)
    }

    /// Items 3 and 5: `pool delete` and `pool create` killed at each of their
    /// steps, then `recover` (or, after a reboot, `activate`): nothing of the
    /// pool is left (devices, loop devices, files, record), and its name can
    /// be used again at once (before: "File exists", "device-mapper already
    /// has a device", or a record whose files were gone).
    @Test(.enabled(if: Rig.enabled), arguments: [
        "createPool.afterIntent", "createPool.afterFiles", "createPool.afterActivate", "createPool.afterManifest",
        "deletePool.afterIntent", "deletePool.afterManifest", "deletePool.afterDevice", "deletePool.afterFiles",
    ])
    func aKilledPoolCreateOrDeleteIsSettledByRecoverAndTheNameStaysUsable(crashPoint: String) throws {
        try Rig.requireKernel()
        let cli = CLI(stateDirectory: Self.stateDirectory("poolkill"))
        let pool = Rig.uniqueName("k")
        defer {
            _ = try? cli.run(["pool", "delete", pool])
            Self.remove(cli)
        }
        let create = ["pool", "create", pool, "--file-backed", "64M"]
        if crashPoint.hasPrefix("deletePool") { _ = try cli.succeed(create) }
        let killed = try cli.run(crashPoint.hasPrefix("deletePool") ? ["pool", "delete", pool] : create,
                                 environment: ["DMSNAP_CRASH_AT": crashPoint])
        #expect(killed.killed, "\(killed.errors)")
        if crashPoint == "deletePool.afterFiles" {
            // The issue's case: the record left, the files gone, then a reboot; activate settles it.
            let activated = try cli.run(["activate"])
            #expect(activated.status == 0, "\(activated.errors)")
        } else {
            let recovered = try cli.succeed(["recover"])
            #expect(recovered.contains(crashPoint.hasPrefix("createPool") ? "undid createPool" : "finished deletePool"), "\(recovered)")
        }
        #expect(try Self.leftovers(cli, pool) == [])
        _ = try cli.succeed(create)
        _ = try cli.succeed(["pool", "delete", pool])
        #expect(try Self.leftovers(cli, pool) == [])
    }

    /// Item 5: a file-backed pool larger than its filesystem's largest file
    /// (ext4 with 4 KiB blocks: 16 TiB) is refused with an error that says so,
    /// and leaves nothing (before: "File too large", an empty data.img that
    /// made every later `pool create` of the name fail with "File exists").
    @Test(.enabled(if: Rig.enabled))
    func aPoolFileTooLargeForItsFilesystemIsRefusedAndLeavesNothing() throws {
        try Rig.requireKernel()
        let mountPoint = Self.stateDirectory("ext4"), image = "/tmp/\(Rig.uniqueName("ext4")).img"
        try Rig.shell("truncate -s 64M \(image) && mkfs.ext4 -q -b 4096 \(image) && mkdir -p \(mountPoint) && mount -o loop \(image) \(mountPoint)")
        defer { _ = try? Rig.shell("umount \(mountPoint); rmdir \(mountPoint); rm -f \(image)") }
        let cli = CLI(stateDirectory: mountPoint + "/state")
        let result = try cli.run(["pool", "create", "big", "--file-backed", "17T"])
        #expect(result.status != 0 && result.errors.contains("File too large") && result.errors.contains("smaller --file-backed"),
                "\(result.errors)")
        #expect(try Self.leftovers(cli, "big") == [])
        _ = try cli.succeed(["pool", "create", "big", "--file-backed", "64M"])
        _ = try cli.succeed(["pool", "delete", "big"])
        #expect(try Self.leftovers(cli, "big") == [])
    }

    /// Item 9: a link planted in a state directory's pools/ (leading to another
    /// state directory's pool files) is reported by `recover --rebuild`, not
    /// followed: nothing is activated on those files, and their own state
    /// directory's activate then works (before: the rebuild activated
    /// dmsnap-pool-evil on them, and the owner's activate failed with EBUSY).
    @Test(.enabled(if: Rig.enabled))
    func aLinkPlantedInPoolsIsReportedAndNotFollowed() throws {
        try Rig.requireKernel()
        let owner = CLI(stateDirectory: Self.stateDirectory("owner")), planted = CLI(stateDirectory: Self.stateDirectory("planted"))
        let real = Rig.uniqueName("real"), evil = Rig.uniqueName("evil")
        defer {
            _ = try? owner.run(["activate"])
            _ = try? owner.run(["pool", "delete", real])
            Self.remove(owner)
            Self.remove(planted)
        }
        _ = try owner.succeed(["pool", "create", real, "--file-backed", "64M"])
        try Self.reboot(owner, pool: real, disks: [])
        try FileManager.default.createDirectory(atPath: planted.stateDirectory + "/pools", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        chmod(planted.stateDirectory, 0o700)
        try FileManager.default.createSymbolicLink(atPath: "\(planted.stateDirectory)/pools/\(evil)",
                                                   withDestinationPath: "\(owner.stateDirectory)/pools/\(real)")
        let rebuilt = try planted.succeed(["recover", "--rebuild"])
        #expect(rebuilt.contains("\(planted.stateDirectory)/pools/\(evil)") && rebuilt.contains("symbolic link"), "\(rebuilt)")
        #expect(try PoolDevice.all(evil).isEmpty && PoolDevice.all(real).isEmpty, "nothing was activated")
        #expect(try Rig.shell("losetup -j \(Self.files(owner, real)[0])").isEmpty, "no loop device on the owner's files")
        let activated = try owner.run(["activate"])
        #expect(activated.status == 0, "\(activated.errors)")
    }
}
