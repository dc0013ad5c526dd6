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
        let error = #expect(throws: SnapshotsError.self) { try Validation.requireName(name, what: "disk name") }
        #expect(error?.code == .invalidName)
    }

    @Test(arguments: ["data", "before-upgrade", "db:2026.11.25", "a_b", "快照"])
    func ecsNamesAreAccepted(name: String) throws {
        try Validation.requireName(name, what: "snapshot name")
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
