@testable import LVM
import Testing

/// The exact string each typed operation gives `lvm2_run`.
struct CommandLineTests {
    let vg: LVMName
    let pool: LVMQualifiedName
    let data: LVMQualifiedName

    init() throws {
        vg = try LVMName(volumeGroup: "vg0")
        pool = try LVMQualifiedName(volumeGroup: "vg0", logicalVolume: "pool0")
        data = try LVMQualifiedName(volumeGroup: "vg0", logicalVolume: "data")
    }

    @Test func pvcreateAnswersNoToWipingASignature() throws {
        let line = try LVMCommandLine.createPhysicalVolumes([LVMDevicePath("/dev/loop0"), LVMDevicePath("/dev/loop1")])
        #expect(line.text == "pvcreate --quiet --quiet /dev/loop0 /dev/loop1")
    }

    @Test func vgcreateNamesTheGroupThenItsDevices() throws {
        let line = try LVMCommandLine.createVolumeGroup(vg, devices: [LVMDevicePath("/dev/loop0")])
        #expect(line.text == "vgcreate --quiet --quiet vg0 /dev/loop0")
    }

    @Test func commandsOnDeviceListsNeedAtLeastOneDevice() {
        #expect(throws: LVMError.self) { try LVMCommandLine.createPhysicalVolumes([]) }
        #expect(throws: LVMError.self) { try LVMCommandLine.createVolumeGroup(vg, devices: []) }
    }

    @Test func vgremoveForcesOnlyWhenAsked() throws {
        #expect(try LVMCommandLine.removeVolumeGroup(vg, force: true).text == "vgremove --force vg0")
        #expect(try LVMCommandLine.removeVolumeGroup(vg, force: false).text == "vgremove --quiet --quiet vg0")
    }

    @Test func vgchangeActivatesAndDeactivates() throws {
        #expect(try LVMCommandLine.changeVolumeGroupActivation(vg, active: true).text == "vgchange --activate y vg0")
        #expect(try LVMCommandLine.changeVolumeGroupActivation(vg, active: false).text == "vgchange --activate n vg0")
    }

    @Test func thinPoolSizesAreInSectors() throws {
        let name = try LVMName(logicalVolume: "pool0")
        #expect(try LVMCommandLine.createThinPool(name, in: vg, size: .mebibytes(128)).text
            == "lvcreate --yes --type thin-pool --size 262144s --name pool0 vg0")
        #expect(try LVMCommandLine.createThinPool(name, in: vg, size: .mebibytes(128), chunkSize: .kibibytes(64)).text
            == "lvcreate --yes --type thin-pool --size 262144s --chunksize 128s --name pool0 vg0")
    }

    @Test func aThinPoolNameIsCheckedAsALogicalVolumeName() throws {
        let reserved = try LVMName(volumeGroup: "pool0_tmeta")
        #expect(throws: LVMError.self) { try LVMCommandLine.createThinPool(reserved, in: vg, size: .mebibytes(8)) }
    }

    @Test func thinVolumesNameTheirPoolAndVirtualSize() throws {
        let line = try LVMCommandLine.createThinVolume(LVMName(logicalVolume: "data"), pool: pool, virtualSize: .gibibytes(1))
        #expect(line.text == "lvcreate --yes --type thin --virtualsize 2097152s --thinpool pool0 --name data vg0")
    }

    @Test func thinSnapshotsCarryTheirTagsAndKeepLVMsActivationSkip() throws {
        let line = try LVMCommandLine.createThinSnapshot(
            LVMName(logicalVolume: "data-snap1"), of: data,
            tags: [LVMTag("s-bp1afnc98r8kjh4x7q2m"), LVMTag("dmsnap")])
        #expect(line.text == "lvcreate --yes --snapshot --name data-snap1 --addtag s-bp1afnc98r8kjh4x7q2m --addtag dmsnap vg0/data")
        #expect(!line.text.contains("-k"), "no --setactivationskip: LVM's default for thin snapshots stands")
    }

    /// The files LVM may leave unlocked go in one quoted `--config` word, LVM's
    /// own defaults kept; lvm2_run reads it up to the closing quote.
    @Test func aMemoryLockFilterIsOneQuotedConfigWord() throws {
        let filter = try LVMMemoryLockFilter(exempting: ["/usr/sbin/dmsnap", "/usr/lib/libc.so.6", "/usr/sbin/dmsnap"])
        #expect(filter.paths == ["/usr/sbin/dmsnap", "/usr/lib/libc.so.6"], "duplicates dropped")
        let line = try LVMCommandLine.createThinSnapshot(LVMName(logicalVolume: "s1"), of: data, memoryLockFilter: filter)
        #expect(line.text == """
            lvcreate --config 'activation{mlock_filter=["locale/locale-archive","gconv/gconv-modules.cache",\
            "/usr/sbin/dmsnap","/usr/lib/libc.so.6"]}' --yes --snapshot --name s1 vg0/data
            """)
        for path in ["relative/lib.so", "/tmp/a b", "/tmp/it's", "/tmp/q\"", "/tmp/back\\slash", "/tmp/new\nline"] {
            #expect(throws: LVMError.self, "\(path.debugDescription)") { try LVMMemoryLockFilter(exempting: [path]) }
        }
        let long = (0..<100).map { "/opt/toolchain/usr/lib/swift/linux/libSomethingRatherLong\($0).so" }
        #expect(throws: LVMError.self, "one LVM word holds at most 4,095 characters") { try LVMMemoryLockFilter(exempting: long) }
    }

    @Test func lvremoveNeverWaitsForAnAnswer() throws {
        #expect(try LVMCommandLine.removeLogicalVolume(data).text == "lvremove --yes vg0/data")
    }

    @Test func lvchangeIgnoresActivationSkipOnlyWhenAsked() throws {
        #expect(try LVMCommandLine.activateLogicalVolume(data).text == "lvchange --activate y vg0/data")
        #expect(try LVMCommandLine.activateLogicalVolume(data, ignoringActivationSkip: true).text
            == "lvchange --activate y --ignoreactivationskip vg0/data")
        #expect(try LVMCommandLine.deactivateLogicalVolume(data).text == "lvchange --activate n vg0/data")
    }

    @Test func mergeNamesTheSnapshot() throws {
        #expect(try LVMCommandLine.mergeSnapshot(data).text == "lvconvert --merge vg0/data")
    }

    @Test func reportsAskForJSONInBytesWithTheFieldsTheDecoderReads() throws {
        #expect(try LVMCommandLine.reportLogicalVolumes(in: vg).text == "lvs --reportformat json --units b --nosuffix -o "
            + "lv_name,lv_uuid,vg_name,lv_attr,lv_layout,thin_id,pool_lv,origin,lv_size,lv_tags,lv_active,"
            + "data_percent,metadata_percent,lv_kernel_major,lv_kernel_minor vg0")
        #expect(try LVMCommandLine.reportLogicalVolume(data).text.hasSuffix(",lv_kernel_minor vg0/data"))
        #expect(try LVMCommandLine.reportLogicalVolumes().text.hasSuffix(",lv_kernel_minor"))
    }

    @Test func aWritableCopyTurnsActivationSkipOffAndTagsAreAddedAndDeleted() throws {
        #expect(try LVMCommandLine.createThinSnapshot(LVMName(logicalVolume: "copy"), of: data, tags: [LVMTag("d-x")], skipActivation: false).text
            == "lvcreate --yes --snapshot --name copy --setactivationskip n --addtag d-x vg0/data")
        #expect(try LVMCommandLine.changeTags(data, adding: [LVMTag("a")], deleting: [LVMTag("b")]).text
            == "lvchange --addtag a --deltag b vg0/data")
        #expect(throws: LVMError.self) { try LVMCommandLine.changeTags(data) }
        #expect(try LVMCommandLine.renameLogicalVolume(data, to: LVMName(logicalVolume: "new")).text == "lvrename vg0/data new")
        #expect(throws: LVMError.self) { try LVMCommandLine.renameLogicalVolume(data, to: LVMName(logicalVolume: "snapshot0")) }
        #expect(try LVMCommandLine.reportVolumeGroups().text
            == "vgs --reportformat json --units b --nosuffix -o vg_name,vg_uuid,vg_size,vg_free,pv_count,lv_count")
        #expect(try LVMCommandLine.reportPhysicalVolumes().text
            == "pvs --reportformat json --units b --nosuffix -o pv_name,vg_name,pv_size,pv_free,pv_uuid")
    }

    @Test func theEscapeHatchTakesOnlyCheckedArguments() throws {
        let line = try LVMCommandLine(.lvchange, [.option("--addtag"), .tag(LVMTag("keep")), .volume(data)])
        #expect(line.text == "lvchange --addtag keep vg0/data")
        #expect(throws: LVMError.self) { try LVMArgument.value("x; lvremove -f vg0") }
    }

    @Test func aCommandLineStaysUnderLVMsWordLimit() throws {
        let tag = LVMArgument.tag(try LVMTag("t"))
        #expect(try LVMCommandLine(.lvchange, Array(repeating: tag, count: 62)).arguments.count == 62)
        #expect(throws: LVMError.self) { try LVMCommandLine(.lvchange, Array(repeating: tag, count: 63)) }
    }

    @Test func everyWordOfEveryBuiltLineIsFreeOfSeparatorsQuotesAndComments() throws {
        let lines = try [
            LVMCommandLine.createThinSnapshot(LVMName(logicalVolume: "s"), of: data, tags: [LVMTag("a#b")]),
            LVMCommandLine.createThinPool(LVMName(logicalVolume: "p"), in: vg, size: .mebibytes(8), chunkSize: .kibibytes(64)),
            LVMCommandLine.reportLogicalVolume(data),
        ]
        for word in lines.flatMap({ $0.text.split(separator: " ", omittingEmptySubsequences: false) }) {
            #expect(!word.isEmpty)
            #expect(!word.hasPrefix("#"))
            #expect(!word.contains(where: { $0.isWhitespace || $0 == "'" || $0 == "\"" }))
        }
    }
}
