import DeviceMapper
import Testing

/// Thin volume status lines pasted verbatim from `dmsetup status`, captured
/// under qemu on Debian's 6.1.0-56-amd64 and 6.12.117+deb12-amd64, which
/// printed the same bytes; pool data blocks of 64 KiB (128 sectors).
struct ThinStatusTests {
    func status(_ dmsetup: String) throws -> ThinStatus {
        try ThinStatus(parsing: TargetLine(dmsetup: dmsetup))
    }

    @Test func freshThinReportsNothingMapped() throws {
        // Right after `create_thin 0` and activation, 6.1 and 6.12.
        #expect(try status("0 2097152 thin 0 -") == .active(mappedSectors: 0, highestMappedSector: nil))
    }

    @Test func writtenThinReportsMappedSectorsAndTheLastOne() throws {
        // After 4 MiB written at offset 0: 64 blocks, 6.1 and 6.12.
        #expect(try status("0 2097152 thin 8192 8191") == .active(mappedSectors: 8192, highestMappedSector: 8191))
    }

    @Test func highestMappedSectorIsTheEndOfTheHighestBlock() throws {
        // Plus 64 KiB at block 1600: (1600 + 1) * 128 - 1, 6.1 and 6.12.
        #expect(try status("0 2097152 thin 8320 204927") == .active(mappedSectors: 8320, highestMappedSector: 204_927))
    }

    @Test func snapshotReportsTheBlocksItSharesWithItsOrigin() throws {
        // Thin 1 after `create_snap 1 0`, before any write to either, 6.1 and 6.12.
        #expect(try status("0 2097152 thin 8320 204927").mappedSectors == 8320)
    }

    @Test func thinWithAnExternalOriginReportsOnlyItsOwnBlocks() throws {
        // Thin 3 over /dev/loop0 as external origin, never written, 6.1 and 6.12.
        #expect(try status("0 2097152 thin 0 -") == .active(mappedSectors: 0, highestMappedSector: nil))
    }

    @Test func thinOnAFullPoolReportsWhatItGot() throws {
        // 16 blocks of a 1 MiB pool, the rest refused with ENOSPC, 6.1 and 6.12.
        #expect(try status("0 204800 thin 2048 2047") == .active(mappedSectors: 2048, highestMappedSector: 2047))
    }

    @Test func thinOnAReadOnlyPoolStillReportsItsBlocks() throws {
        // Thin 0 (3 blocks written) on the pool brought up read-only by needs_check, 6.1 and 6.12.
        #expect(try status("0 2097152 thin 384 383") == .active(mappedSectors: 384, highestMappedSector: 383))
    }

    @Test func thinStatusReportsAFailedPool() throws {
        // The thin volume of the pool whose metadata device failed, 6.1 and 6.12.
        let status = try status("0 2097152 thin Fail")
        #expect(status == .poolFailed)
        #expect(status.mappedSectors == nil)
    }

    @Test func thinStatusOfErrorIsTheKernelsErrorNotAParseFailure() {
        let error = #expect(throws: ThinStatusError.self) { try ThinStatus(parsing: "Error") }
        #expect(error?.kind == .kernelReportedError)
        #expect(error?.target == "thin")
    }

    @Test func aStatusLineOfAnotherTargetIsRefused() {
        let error = #expect(throws: ThinStatusError.self) {
            try ThinStatus(parsing: TargetLine(start: 0, length: 8, type: "linear", parameters: "0 -"))
        }
        #expect(error?.kind == .malformed(reason: "the target is \"linear\", not thin"))
    }

    @Test(arguments: ["", "-", "8192", "x 5", "8192 -5", "8192 +5", "8192 5x", "-1 -", "fail", "8192 18446744073709551616"])
    func malformedThinStatusIsRefusedQuotingTheLine(line: String) {
        let error = #expect(throws: ThinStatusError.self) { try ThinStatus(parsing: line) }
        #expect(error?.line == line)
        if case .malformed = error?.kind {} else { Issue.record("expected a malformed-line error, got \(String(describing: error))") }
    }
}
