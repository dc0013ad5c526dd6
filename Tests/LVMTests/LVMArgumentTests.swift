@testable import LVM
import Testing

struct LVMArgumentTests {
    @Test(arguments: ["/dev/loop0", "/dev/sdb1", "/dev/mapper/vg0-data", "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4", "/dev/disk/by-path/pci-0000:00:1f.2-ata-1"])
    func absoluteDevicePathsInASafeCharsetAreAccepted(path: String) throws {
        #expect(try LVMDevicePath(path).value == path)
    }

    @Test(arguments: [
        ("dev/loop0", "not an absolute path"), ("", "not an absolute path"), ("-f", "not an absolute path"),
        ("/", "names no device"), ("/dev/../etc/passwd", "'..'"), ("/dev/loop0 /dev/loop1", #"character " ""#),
        ("/dev/loop0;reboot", #"character ";""#), ("/dev/$(id)", #"character "$""#), ("/dev/loop0\n", #"character "\n""#),
        ("/dev/#x", ##"character "#""##), ("/dev/\"x\"", #"character "\"""#),
    ])
    func devicePathsThatCouldMeanSomethingElseAreRefused(path: String, reason: String) {
        let error = #expect(throws: LVMError.self) { try LVMDevicePath(path) }
        #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
    }

    @Test(arguments: ["s-bp1afnc98r8kjh4x7q2m", "dmsnap", "a=b", "x/y:z", "&!#+.-_", "k#1"])
    func tagsInLVMsCharsetAreAccepted(tag: String) throws {
        #expect(try LVMTag(tag).value == tag)
    }

    /// '#' is in LVM's tag charset, but `lvm_split` reads a word that starts
    /// with it as a comment: `--addtag #x` leaves `--addtag` without its value.
    @Test(arguments: ["", "-x", "#comment", "two words", "semi;colon", "@tag", "quote'", "new\nline", "$(id)"])
    func tagsThatLVMOrItsCommandLineWouldMisreadAreRefused(tag: String) {
        #expect(throws: LVMError.self) { try LVMTag(tag) }
    }

    @Test func sizesAreWrittenInSectors() throws {
        #expect(try LVMSize.mebibytes(64).argument == "131072s")
        #expect(try LVMSize(bytes: 512).argument == "1s")
        #expect(try LVMSize.kibibytes(64).sectors == 128)
        #expect(try LVMSize.gibibytes(1).bytes == 1 << 30)
    }

    @Test func sizesThatAreNotWholeSectorsOrAreZeroAreRefused() {
        #expect(throws: LVMError.self) { try LVMSize(bytes: 0) }
        #expect(throws: LVMError.self) { try LVMSize(bytes: 1000) }
        #expect(throws: LVMError.self) { try LVMSize(sectors: 0) }
    }

    @Test func sizesPastWhatADoubleHoldsExactlyAreRefused() throws {
        #expect(try LVMSize(sectors: 1 << 53).sectors == 1 << 53)
        #expect(throws: LVMError.self) { try LVMSize(sectors: (1 << 53) + 1) }
        #expect(throws: LVMError.self) { try LVMSize.gibibytes(UInt64.max / 1024) }
    }

    @Test(arguments: ["--size", "-K", "-ay", "--ignoreactivationskip", "--report-format"])
    func optionsAreAccepted(option: String) throws {
        #expect(try LVMArgument.option(option).word == option)
    }

    @Test(arguments: ["size", "-", "--", "---x", "-1", "--size=1", "--a b", "--x;y", "-#"])
    func wordsThatAreNotPlainOptionsAreRefusedAsOptions(text: String) {
        #expect(throws: LVMError.self) { try LVMArgument.option(text) }
    }

    @Test(arguments: ["json", "thin-pool", "lv_name,lv_uuid", "100%FREE", "vg0/data", "y", "activation/auto=1"])
    func optionValuesAreAccepted(value: String) throws {
        #expect(try LVMArgument.value(value).word == value)
    }

    @Test(arguments: ["", "-y", "#x", "a b", "'q'", "\"q\"", "x\ny", "$(id)", "a;b", "a{b}", "@tag"])
    func optionValuesThatCouldSplitQuoteOrCutTheLineAreRefused(value: String) {
        #expect(throws: LVMError.self) { try LVMArgument.value(value) }
    }
}
