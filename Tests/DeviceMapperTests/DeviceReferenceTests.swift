import DeviceMapper
import Testing

struct DeviceReferenceTests {
    @Test(arguments: ["/dev/loop0", "/dev/mapper/vg0-lv_root", "/dev/disk/by-path/pci-0000:00:1f.2-ata-1", "/dev/dm-12"])
    func absoluteDevPathsAreWrittenAsGiven(path: String) throws {
        #expect(try DeviceReference(path).argument == path)
    }

    @Test func majorMinorIsWrittenInTheKernelsOwnSpelling() throws {
        #expect(try DeviceReference("253:0").argument == "253:0")
        // sscanf("%u:%u") in the kernel reads leading zeros the same way.
        #expect(try DeviceReference("008:016").argument == "8:16")
        #expect(try DeviceReference(DeviceNumber(major: 7, minor: 3)).argument == "7:3")
    }

    @Test(arguments: [
        ("/dev/mapper/a b", TargetArgumentError.Reason.forbiddenCharacter(" ")),
        ("/dev/mapper/a\tb", .forbiddenCharacter("\t")),
        ("/dev/mapper/a\nb", .forbiddenCharacter("\n")),
        ("/dev/mapper/a\"b", .forbiddenCharacter("\"")),
        ("/dev/mapper/a'b", .forbiddenCharacter("'")),
        ("/dev/mapper/a;reboot", .forbiddenCharacter(";")),
        ("/dev/mapper/$(reboot)", .forbiddenCharacter("$")),
        ("/dev/mapper/a\\x20b", .forbiddenCharacter("\\")),
        ("/dev/mapper/é", .forbiddenCharacter("é")),
        ("/dev/sda\0", .forbiddenCharacter("\0")),
        ("sda", .notADeviceReference),
        ("dev/sda", .notADeviceReference),
        ("./sda", .notADeviceReference),
        ("/sda", .notADeviceReference),
        ("/devices/sda", .notADeviceReference),
        ("8:", .notADeviceReference),
        ("-8:0", .notADeviceReference),
        ("/dev/../etc/passwd", .badPathComponent),
        ("/dev/./sda", .badPathComponent),
        ("/dev//sda", .badPathComponent),
        ("/dev/sda/", .badPathComponent),
        ("/dev/", .badPathComponent),
        ("", .empty),
        ("4096:0", .deviceNumberOutOfRange),
        ("8:1048576", .deviceNumberOutOfRange),
    ])
    func unsafeReferencesAreRefusedWithTheReason(text: String, reason: TargetArgumentError.Reason) {
        let error = #expect(throws: TargetArgumentError.self) { try DeviceReference(text) }
        #expect(error?.reason == reason)
        #expect(error?.value == text || error?.reason == .deviceNumberOutOfRange)
    }

    @Test func overlongPathsAreRefused() {
        let path = "/dev/" + String(repeating: "a", count: DeviceReference.maximumPathLength)
        let error = #expect(throws: TargetArgumentError.self) { try DeviceReference(path) }
        #expect(error?.reason == .tooLong(limit: 4095))
    }

    @Test func theErrorQuotesTheValueVisibly() {
        let error = #expect(throws: TargetArgumentError.self) { try DeviceReference("/dev/a\nb") }
        #expect(error?.description == #"invalid device "/dev/a\nb": character "\n" is not allowed (use letters, digits and + _ . - : # @ /)"#)
    }
}
