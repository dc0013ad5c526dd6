import DeviceMapper
@testable import Snapshots
import Testing

/// When a group's holder must lock its memory: only when a page of it could be
/// read from a held device, and whenever that cannot be told.
struct MemoryLockTests {
    /// The root filesystem on fe:00 (254:0), /tmp a tmpfs, the host's files over 9p.
    static let mountinfo = """
        22 27 0:21 / /proc rw,relatime - proc proc rw
        27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw
        30 27 0:31 / /tmp rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,size=1024k
        31 27 0:40 / /opt/swift rw,relatime - 9p host ro,trans=virtio
        32 27 0:41 / /srv rw,relatime - btrfs /dev/sdb1 rw
        33 27 0:42 / /work rw,relatime - overlay overlay rw,lowerdir=/a,upperdir=/b
        34 27 7:0 / /mnt/image ro,relatime - squashfs /dev/loop0 ro
        """
    static let noSwap = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"

    static func maps(_ lines: String...) -> String {
        (["55d0c0000000-55d0c2000000 rw-p 00000000 00:00 0                          [heap]",
          "7ffd5a0e1000-7ffd5a102000 rw-p 00000000 00:00 0                          [stack]"] + lines).joined(separator: "\n")
    }

    static func needed(_ maps: String, swaps: String = noSwap, affected: Set<DeviceNumber> = [],
                       swapDevice: DeviceNumber? = nil) -> Bool {
        MemoryLock.isNeeded(maps: maps, mountinfo: mountinfo, swaps: swaps, affected: affected, deviceOf: { _ in swapDevice })
    }

    static let root = DeviceNumber(major: 254, minor: 0)
    static let onRoot = "7f0000000000-7f0000100000 r-xp 00002000 fe:00 254163                     /usr/sbin/dmsnap"
    static let onTmpfs = "7f0000000000-7f0000100000 r-xp 00002000 00:1f 1234                       /tmp/bench/bin/dmsnap"
    static let over9p = "7f1000000000-7f1000100000 r-xp 00002000 00:28 99                         /opt/swift/lib/libc.so.6"

    @Test func aBinaryOnAHeldDeviceOrOneStackedOverItIsLocked() {
        #expect(Self.needed(Self.maps(Self.onRoot), affected: [Self.root]))
        #expect(!Self.needed(Self.maps(Self.onRoot), affected: [DeviceNumber(major: 254, minor: 3)]))
    }

    @Test func filesInMemoryOrOverTheNetworkNeedNoLock() {
        #expect(!Self.needed(Self.maps(Self.onTmpfs, Self.over9p), affected: [Self.root]))
        #expect(!Self.needed(Self.maps(
            "7f2000000000-7f2000001000 rw-s 00000000 00:01 1045                       /memfd:pulseaudio (deleted)",
            "7f2000001000-7f2000002000 rw-s 00000000 00:05 2                          /SYSV00000000 (deleted)"),
                             affected: [Self.root]), "shared anonymous memory lives in memory or swap")
    }

    @Test func whatCannotBeToldIsLocked() {
        #expect(Self.needed(Self.maps("7f0000000000-7f0000100000 r-xp 00000000 00:29 5 /srv/dmsnap")), "btrfs: its device is not in the mapping")
        #expect(Self.needed(Self.maps("7f0000000000-7f0000100000 r-xp 00000000 00:2a 5 /work/dmsnap")), "overlay")
        #expect(Self.needed(Self.maps("7f0000000000-7f0000100000 r-xp 00000000 00:77 5 /unknown/dmsnap")), "no such mount")
        #expect(Self.needed(Self.maps("7f0000000000-7f0000100000 r-xp 00000000 07:00 5 /mnt/image/dmsnap")),
                "a loop device reads a file somewhere else")
        #expect(Self.needed(Self.maps("7f0000000000-7f0000100000 r-xp 00000000 zz:00 5 /x")), "an unreadable line")
    }

    @Test func swapOnAHeldDeviceOrInAFileIsLocked() {
        let partition = Self.noSwap + "/dev/dm-7                               partition\t1048572\t\t0\t\t-2\n"
        let file = Self.noSwap + "/swapfile                               file\t\t1048572\t\t0\t\t-2\n"
        let heldSwap = DeviceNumber(major: 254, minor: 7)
        #expect(Self.needed(Self.maps(Self.onTmpfs), swaps: partition, affected: [heldSwap], swapDevice: heldSwap))
        #expect(!Self.needed(Self.maps(Self.onTmpfs), swaps: partition, affected: [Self.root], swapDevice: heldSwap))
        #expect(Self.needed(Self.maps(Self.onTmpfs), swaps: partition, affected: [Self.root], swapDevice: nil), "a node it cannot stat")
        #expect(Self.needed(Self.maps(Self.onTmpfs), swaps: file, affected: [Self.root]))
        #expect(!Self.needed(Self.maps(Self.onTmpfs), swaps: Self.noSwap, affected: [Self.root]))
    }

    @Test func mountinfoGivesEachDevicesFilesystem() {
        let types = MemoryLock.filesystemTypes(Self.mountinfo)
        #expect(types[Self.root] == "ext4", "past the optional fields")
        #expect(types[DeviceNumber(major: 0, minor: 31)] == "tmpfs" && types[DeviceNumber(major: 0, minor: 40)] == "9p")
    }
}
