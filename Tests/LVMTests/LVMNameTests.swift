@testable import LVM
import Testing

struct LVMNameTests {
    @Test(arguments: ["vg0", "data", "data-snap1", "a", "A+b_c.d-e", "lvol0", "..a", ".hidden", String(repeating: "x", count: 127)])
    func namesInLVMsCharsetAreAccepted(name: String) throws {
        #expect(try LVMName(volumeGroup: name).value == name)
        #expect(try LVMName(logicalVolume: name).value == name)
    }

    @Test(arguments: [
        ("", "empty"),
        (String(repeating: "x", count: 128), "longer than 127"),
        ("-vg", "starts with '-'"),
        ("--force", "starts with '-'"),
        (".", "path components"),
        ("..", "path components"),
    ])
    func namesLVMRefusesAreRefusedWithTheReason(name: String, reason: String) {
        for kind in [LVMName.Kind.volumeGroup, .logicalVolume] {
            let error = #expect(throws: LVMError.self) { try LVMName(name, kind: kind) }
            guard case .invalidArgument(let invalid)? = error else { Issue.record("no invalidArgument"); continue }
            #expect(invalid.value == name)
            #expect(invalid.what == kind.description)
            #expect(invalid.reason.contains(reason))
        }
    }

    /// Everything a shell, `lvm_split` or a device-mapper table could read as
    /// more than one name.
    @Test(arguments: [
        "with space", "tab\there", "new\nline", "carriage\rreturn", "nul\0byte",
        "semi;colon", "$(reboot)", "`id`", "${IFS}", "single'quote", "double\"quote",
        "pipe|", "and&", "redirect>", "star*", "question?", "back\\slash",
        "slash/ed", "colon:", "hash#", "at@", "percent%", "comma,", "equals=", "brace{}",
        "caf\u{E9}", "\u{FF0D}fullwidth-hyphen", "zero\u{200B}width",
    ])
    func charactersOutsideLVMsCharsetAreRefused(name: String) {
        let error = #expect(throws: LVMError.self) { try LVMName(volumeGroup: name) }
        guard case .invalidArgument(let invalid)? = error else { Issue.record("no invalidArgument"); return }
        #expect(invalid.reason.contains("is not allowed"))
    }

    @Test(arguments: ["snapshot", "snapshot1", "pvmove0", "pvmove"])
    func logicalVolumeNamesWithAReservedPrefixAreRefused(name: String) throws {
        #expect(throws: LVMError.self) { try LVMName(logicalVolume: name) }
        // Only LV names are restricted: LVM takes these as VG names.
        #expect(try LVMName(volumeGroup: name).value == name)
    }

    @Test(arguments: LVMName.reservedLogicalVolumeInfixes)
    func logicalVolumeNamesContainingAReservedSuffixAreRefused(infix: String) throws {
        let name = "data\(infix)2"
        let error = #expect(throws: LVMError.self) { try LVMName(logicalVolume: name) }
        #expect(error?.description.contains(infix) == true)
        #expect(try LVMName(volumeGroup: name).value == name)
    }

    @Test func theReservedInfixesIncludeThoseOfLVMsSourceAndManPage() {
        let fromSource = ["_cdata", "_cmeta", "_corig", "_mimage", "_mlog", "_pmspare", "_rimage", "_rmeta", "_tdata", "_tmeta", "_vorigin"]
        let fromManPage = ["_cdata", "_cmeta", "_corig", "_iorig", "_mimage", "_mlog", "_pmspare", "_rimage", "_rmeta", "_tdata", "_tmeta", "_vdata", "_vorigin", "_wcorig"]
        #expect(Set(LVMName.reservedLogicalVolumeInfixes) == Set(fromSource + fromManPage))
    }

    @Test func aVolumeGroupNameIsRecheckedWhereALogicalVolumeNameIsNeeded() throws {
        let name = try LVMName(volumeGroup: "snapshot7")
        #expect(throws: LVMError.self) { try LVMQualifiedName(volumeGroup: name, logicalVolume: name) }
        #expect(throws: LVMError.self) { try LVMCommandLine.createThinSnapshot(name, of: LVMQualifiedName(parsing: "vg/data")) }
    }

    @Test func aQualifiedNameIsParsedFromVGSlashLV() throws {
        let volume = try LVMQualifiedName(parsing: "vg0/data-snap1")
        #expect(volume.volumeGroup.value == "vg0")
        #expect(volume.logicalVolume.value == "data-snap1")
        #expect(volume.description == "vg0/data-snap1")
    }

    @Test(arguments: ["vg0", "vg0/", "/data", "vg0/data/x", "/dev/vg0/data", "vg0/snapshot1", "vg 0/data"])
    func aQualifiedNameNeedsExactlyTwoValidNames(text: String) {
        #expect(throws: LVMError.self) { try LVMQualifiedName(parsing: text) }
    }
}
