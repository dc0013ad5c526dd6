@testable import Snapshots
import Testing

struct ValidationTests {
    @Test(arguments: ["d-", "d-abc", "s-bp1afnc98r8kjh4x7q2m", "d-BP1AFNC98R8KJH4X7Q2M", "d-bp1afnc98r8kjh4x7q2m0", "d-bp1afnc98r8kjh4x7q2!", "", "d-bp1afnc98r8kjh4x7q\n"])
    func malformedDiskIDsAreRefused(id: String) {
        let error = #expect(throws: SnapshotsError.self) { try Validation.requireID(id, kind: .disk) }
        #expect(error?.code == .invalidDiskIdNotFound)
    }

    @Test func aWellFormedIDPasses() throws {
        try Validation.requireID("d-bp1afnc98r8kjh4x7q2m", kind: .disk)
        try Validation.requireID("s-00000000000000000000", kind: .snapshot)
    }

    @Test(arguments: ["with space", "quote\"d", "new\nline", "semi;colon", "$(reboot)", "a", "1starts-with-digit", "http://x", "tab\there",
                      "dm table 0 8 zero", String(repeating: "x", count: 129), "-dash", "back`tick`"])
    func unsafeOrMalformedNamesAreRefused(name: String) {
        let error = #expect(throws: SnapshotsError.self) { try Validation.name(name, what: "disk name") }
        #expect(error?.code == .invalidName)
    }

    @Test(arguments: ["data", "before-upgrade", "db:2026.11.25", "a_b", "快照", "dark-s-mode", "ssgx", "ids-", "d"+"x"])
    func ecsNamesAreAccepted(name: String) throws {
        #expect(try Validation.name(name, what: "snapshot name") == name)
    }

    /// An argument that starts with an ID's prefix is taken as an ID: a name like one would point at another resource, or at none.
    @Test(arguments: ["d-notanid", "d-bp1afnc98r8kjh4x7q2m", "D-upper", "s-snap", "S-x1", "ssg-group", "SSG-x", "i-host", "I-x"])
    func namesInTheFormOfAnyResourceIDAreRefused(name: String) {
        for what in ["disk name", "snapshot name", "snapshot group name"] {
            let error = #expect(throws: SnapshotsError.self) { try Validation.name(name, what: what) }
            #expect(error?.code == .invalidName && error?.message.contains("ID") == true, "\(name): \(error?.message ?? "")")
        }
    }

    @Test func everyPrefixResourceIDKnowsIsCovered() {
        for kind in ResourceID.Kind.allCases {
            #expect(Names.idPrefix(of: kind.prefix + "x") == kind)
            #expect(Names.idPrefix(of: kind.prefix.uppercased() + "x") == kind)
        }
        #expect(Names.idPrefix(of: "disk") == nil && Names.idPrefix(of: "s") == nil)
    }

    @Test func namesAreNormalizedToNFC() throws {
        let decomposed = "cafe\u{301}", precomposed = "caf\u{E9}"
        #expect(Array(decomposed.utf8) != Array(precomposed.utf8))
        let stored = try Validation.name(decomposed, what: "disk name")
        #expect(Array(stored.utf8) == Array(precomposed.utf8), "stored (and linked) as one byte form")
        #expect(Array(try Validation.name(precomposed, what: "disk name").utf8) == Array(stored.utf8))
        #expect(Array(Names.normalized(decomposed).utf8) == Array(precomposed.utf8), "lookups compare the same form")
    }

    /// ECS counts code points: one letter with combining accents is several, whatever a terminal shows.
    @Test func lengthsCountCodePointsNotCharacters() throws {
        let accents = "a" + String(repeating: "\u{300}", count: 200) + "b"
        #expect(accents.count == 2, "two characters to Swift")
        let error = #expect(throws: SnapshotsError.self) { try Validation.name(accents, what: "snapshot name") }
        #expect(error?.message.contains("201") == true, "the first accent composes with its letter (NFC): \(error?.message ?? "")")
        _ = try Validation.name(String(repeating: "x", count: 128), what: "snapshot name")
        _ = try Validation.name("a" + String(repeating: "\u{300}", count: 84), what: "snapshot name")
        #expect(throws: SnapshotsError.self) { try Validation.requireDescription("d" + String(repeating: "\u{301}", count: 256)) }
        try Validation.requireDescription("d" + String(repeating: "\u{301}", count: 255))
    }

    /// At most 255 bytes, so that every disk name can be its /dev/dmsnap link (NAME_MAX).
    @Test func namesAreBoundInBytesToo() throws {
        _ = try Validation.name(String(repeating: "快", count: 85), what: "disk name")
        let error = #expect(throws: SnapshotsError.self) { try Validation.name(String(repeating: "快", count: 86), what: "disk name") }
        #expect(error?.message.contains("258 bytes") == true, "\(error?.message ?? "")")
        try Validation.requireDescription(String(repeating: "😀", count: 256))
    }

    @Test(arguments: ["auto", "autogroup", "auto_20261206_1", "autoRenamed"])
    func snapshotAndGroupNamesStartingWithAutoAreRefused(name: String) throws {
        #expect(throws: SnapshotsError.self) { try Validation.name(name, what: "snapshot name", reservingAuto: true) }
        #expect(try Validation.name(name, what: "disk name") == name, "disks have no automatic kind")
    }

    @Test func aGroupsMembersAreNamedWithinTheSameRule() throws {
        #expect(Names.member(ofGroup: "nightly", index: 3) == "nightly-3")
        #expect(Names.member(ofGroup: nil, index: 1) == nil, "a group without a name: its members are named by their IDs")
        let longest = String(repeating: "g", count: 128)
        let member = try #require(Names.member(ofGroup: longest, index: 12))
        #expect(member == String(repeating: "g", count: 125) + "-12")
        let wide = String(repeating: "快", count: 85)
        for index in [1, 9, 10, 100, 1000] {
            let name = try #require(Names.member(ofGroup: wide, index: index))
            #expect(try Validation.name(name, what: "snapshot name", reservingAuto: true) == name, "\(index)")
        }
        let accented = try #require(Names.member(ofGroup: "e\u{301}" + String(repeating: "\u{301}", count: 126) + "x", index: 5))
        #expect(try Validation.name(accented, what: "snapshot name") == accented)
    }

    @Test(arguments: ["", "a b", "../x", "-p", "x;y", String(repeating: "p", count: 65)])
    func badPoolNamesAreRefused(name: String) {
        #expect(throws: SnapshotsError.self) { try Validation.requirePoolName(name) }
    }

    @Test func descriptionsRefuseControlCharactersAndLength() throws {
        try Validation.requireDescription("before the upgrade to 12.4, taken by alice")
        #expect(throws: SnapshotsError.self) { try Validation.requireDescription("line\nbreak") }
        #expect(throws: SnapshotsError.self) { try Validation.requireDescription(String(repeating: "x", count: 257)) }
    }

    @Test func errorMessagesQuoteUserTextEscapedAndShort() {
        let shown = Validation.shown(String(repeating: "\n", count: 500))
        #expect(!shown.contains("\n"))
        #expect(shown.count < 200)
    }

    @Test(arguments: ["\u{9B}31m", "\u{1B}[2J", "\u{202E}gpj.exe", "\u{2066}x", "\u{85}"])
    func errorMessagesEscapeWhatATerminalWouldActOn(text: String) {
        let shown = Validation.shown(text)
        #expect(!shown.unicodeScalars.contains { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format },
                "\(shown.unicodeScalars.map { String($0.value, radix: 16) })")
    }

    @Test func aFloodOfCombiningMarksIsCutShortToo() {
        #expect(Validation.shown("e" + String(repeating: "\u{301}", count: 5000)).unicodeScalars.count < 200)
    }

    @Test func mountinfoIsParsedWithEscapedMountPoints() {
        let table = MountTable(parsing: """
            22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
            98 22 253:3 / /srv/my\\040data rw,relatime shared:5 - ext4 /dev/mapper/dmsnap-d-x rw
            """)
        #expect(table.mountPoint(of: .init(major: 253, minor: 3)) == "/srv/my data")
        #expect(table.mountPoint(of: .init(major: 254, minor: 0)) == "/")
        #expect(table.mountPoint(of: .init(major: 7, minor: 0)) == nil)
    }

    /// A low water mark at or above the pool's data blocks would raise the event from the start.
    @Test func aLowWaterMarkMustBeBelowThePoolsDataBlocks() throws {
        // 1 GiB of 64 KiB blocks: 16,384 blocks.
        try SnapshotService.requireLowWaterMark(16_383, dataBytes: 1 << 30, blockSizeSectors: 128)
        try SnapshotService.requireLowWaterMark(nil, dataBytes: 1 << 30, blockSizeSectors: 128)
        #expect(throws: SnapshotsError.self) { try SnapshotService.requireLowWaterMark(16_384, dataBytes: 1 << 30, blockSizeSectors: 128) }
    }
}
