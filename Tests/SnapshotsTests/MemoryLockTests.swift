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
        33 27 0:42 / /work rw,relatime - overlay overlay rw,lowerdir=/srv/a:/opt/swift/b,upperdir=/srv/c,workdir=/srv/w
        34 27 7:0 / /mnt/image ro,relatime - squashfs /dev/loop0 ro
        35 27 0:43 / /usr rw,relatime - overlay ovl0 rw,lowerdir=/usr,upperdir=/tmp/ovl0/upper,workdir=/tmp/ovl0/work
        36 31 0:44 / /opt/swift rw,relatime - overlay ovl1 rw,lowerdir=/opt/swift,upperdir=/tmp/ovl1/upper,workdir=/tmp/ovl1/work
        37 27 0:45 / /home rw,relatime - overlay ovl2 rw,lowerdir=/home,upperdir=/mnt/u\\054p\\040per,workdir=/mnt/w
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
        #expect(Self.needed(Self.maps("7f0000000000-7f0000100000 r-xp 00000000 00:2a 5 /work/dmsnap")),
                "an overlay whose layers are on btrfs")
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

    /// The VM rig's /usr and /opt: an overlay of the host's files (9p, or the
    /// root) under a tmpfs. Its pages come from its layers' filesystems.
    @Test func anOverlayReadsFromItsLayers() {
        let overUsr = "7f3000000000-7f3000100000 r-xp 00002000 00:2b 77 /usr/lib/x86_64-linux-gnu/libc.so.6"
        let overSwift = "7f3100000000-7f3100100000 r-xp 00002000 00:2c 78 /opt/swift/usr/lib/libswiftCore.so"
        #expect(!Self.needed(Self.maps(Self.onTmpfs, overSwift), affected: [Self.root]), "9p under a tmpfs")
        #expect(Self.needed(Self.maps(Self.onTmpfs, overUsr), affected: [Self.root]), "its lower layer is the held root")
        #expect(!Self.needed(Self.maps(Self.onTmpfs, overUsr), affected: [DeviceNumber(major: 254, minor: 3)]))
        let reason = MemoryLock.reason(maps: Self.maps(overUsr), mountinfo: Self.mountinfo, swaps: Self.noSwap,
                                       affected: [Self.root], deviceOf: { _ in nil })
        #expect(reason?.contains("/usr/lib/x86_64-linux-gnu/libc.so.6") == true && reason?.contains("layer /usr") == true,
                "the reason names the file and the layer: \(reason ?? "none")")
    }

    @Test func anOverlaysLayersComeFromItsOptions() {
        let table = MountTable(parsing: Self.mountinfo)
        #expect(MemoryLock.overlayLayers("rw,lowerdir=/srv/a:/opt/swift/b,upperdir=/srv/c,workdir=/srv/w")
                == ["/srv/a", "/opt/swift/b", "/srv/c"])
        #expect(MemoryLock.overlayLayers("rw,lowerdir=/a\\134:b::/data,upperdir=/u\\054v\\040w")
                == ["/a:b", "/data", "/u,v w"], "escaped colon, a data-only layer, octal escapes")
        #expect(MemoryLock.overlayLayers("rw,lowerdir+=/l1,lowerdir+=/l2,datadir+=/d") == ["/l1", "/l2", "/d"])
        #expect(MemoryLock.overlayLayers("rw,xino=off").isEmpty)
        let usr = table.entries.first { $0.mountPoint == "/usr" }!
        #expect(MemoryLock.mountHolding("/usr", below: usr, in: table)?.mountPoint == "/", "the overlay hides its own layer")
        #expect(MemoryLock.mountHolding("/tmp/ovl0/upper", below: usr, in: table)?.type == "tmpfs")
        #expect(MemoryLock.mountHolding("relative/dir", below: usr, in: table) == nil)
        let root = table.entries.first { $0.mountPoint == "/" }!
        #expect(MemoryLock.mountHolding("/var/lib/layer", below: root, in: table) == nil, "what is mounted on / is hidden by an overlay on /")
        let swift = table.entries.first { $0.mountPoint == "/opt/swift" && $0.type == "overlay" }!
        #expect(MemoryLock.mountHolding("/opt/swift", below: swift, in: table)?.type == "9p", "the mount the overlay covers")
    }

    /// What LVM may leave unlocked: files that no held device can hold;
    /// never anonymous memory or a deleted file.
    @Test func filesOffHeldDevicesAreTheOnesALockMayLeaveOut() {
        let maps = Self.maps(Self.onRoot, Self.onTmpfs, Self.over9p,
                             "7f4000000000-7f4000100000 r-xp 00000000 fe:03 12 /srv/data/lib.so",
                             "7f4100000000-7f4100100000 r-xp 00000000 00:1f 13 /tmp/gone.so (deleted)",
                             "7f4200000000-7f4200100000 r-xp 00000000 00:2b 14 /usr/lib/libz.so")
        let files = MemoryLock.filesOffHeldDevices(maps: maps, mountinfo: Self.mountinfo, affected: [Self.root])
        #expect(files == ["/tmp/bench/bin/dmsnap", "/opt/swift/lib/libc.so.6", "/srv/data/lib.so"],
                "not the root's files, nor the /usr overlay over the root, nor a deleted file: \(files)")
    }

    @Test func mountinfoGivesEachDevicesFilesystem() {
        let table = MountTable(parsing: Self.mountinfo)
        #expect(table.entries.first { $0.device == Self.root }?.type == "ext4", "past the optional fields")
        #expect(table.entries.first { $0.mountPoint == "/home" }?.superOptions.contains("upperdir=/mnt/u\\054p\\040per") == true,
                "super options are kept escaped")
    }
}
