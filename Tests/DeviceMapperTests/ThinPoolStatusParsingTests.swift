import DeviceMapper
import Testing

/// The pool status parser on lines no test kernel printed: older and newer
/// layouts, `Error`, and malformed lines.
struct ThinPoolStatusParsingTests {
    @Test func poolStatusWithoutTheLowWatermarkParses() throws {
        // Kernels before 4.19 end at needs_check.
        let status = try ThinPoolStatus(parsing: "5 10/4096 3/1024 - rw discard_passdown queue_if_no_space -")
        #expect(status.details?.transactionID == 5)
        #expect(status.details?.metadataLowWatermark == nil)
    }

    @Test func poolStatusIgnoresFieldsALaterKernelAppends() throws {
        let status = try ThinPoolStatus(parsing: "5 10/4096 3/1024 - rw discard_passdown queue_if_no_space - 1024 future 7 ")
        #expect(status.details?.metadataLowWatermark == 1024)
    }

    @Test func poolStatusOfErrorIsTheKernelsErrorNotAParseFailure() {
        let error = #expect(throws: ThinStatusError.self) { try ThinPoolStatus(parsing: "Error") }
        #expect(error == ThinStatusError(target: "thin-pool", line: "Error", kind: .kernelReportedError))
    }

    @Test func anEmptyDataDeviceIsZeroPercentUsed() {
        #expect(ThinPoolStatus.BlockUsage(used: 0, total: 0).percentUsed == 0)
    }

    @Test func aStatusLineOfAnotherTargetIsRefused() {
        let error = #expect(throws: ThinStatusError.self) {
            try ThinPoolStatus(parsing: TargetLine(start: 0, length: 8, type: "thin", parameters: "0 -"))
        }
        #expect(error?.kind == .malformed(reason: "the target is \"thin\", not thin-pool"))
    }

    @Test(arguments: [
        "",
        " ",
        "Failed",
        "fail",
        "0",
        "0 418/4096",
        "0 418-4096 0/1024 - rw discard_passdown queue_if_no_space - 1024 ",
        "0 418/4096/1 0/1024 - rw discard_passdown queue_if_no_space - 1024 ",
        "0 /4096 0/1024 - rw discard_passdown queue_if_no_space - 1024 ",
        "0 418/ 0/1024 - rw discard_passdown queue_if_no_space - 1024 ",
        "-1 418/4096 0/1024 - rw discard_passdown queue_if_no_space - 1024 ",
        "+0 418/4096 0/1024 - rw discard_passdown queue_if_no_space - 1024 ",
        "18446744073709551616 418/4096 0/1024 - rw discard_passdown queue_if_no_space - 1024 ",
        "0 418/4096 0/1024 x rw discard_passdown queue_if_no_space - 1024 ",
        "0 418/4096 0/1024 - rx discard_passdown queue_if_no_space - 1024 ",
        "0 418/4096 0/1024 - Fail discard_passdown queue_if_no_space - 1024 ",
        "0 418/4096 0/1024 - rw discard queue_if_no_space - 1024 ",
        "0 418/4096 0/1024 - rw discard_passdown queue - 1024 ",
        "0 418/4096 0/1024 - rw discard_passdown queue_if_no_space needs_repair 1024 ",
        "0 418/4096 0/1024 - rw discard_passdown queue_if_no_space",
        "0 418/4096 0/1024 - rw discard_passdown queue_if_no_space - lots",
        "0\t418/4096 0/1024 - rw discard_passdown queue_if_no_space - 1024",
    ])
    func malformedPoolStatusIsRefusedQuotingTheLine(line: String) {
        let error = #expect(throws: ThinStatusError.self) { try ThinPoolStatus(parsing: line) }
        #expect(error?.line == line)
        #expect(error?.target == "thin-pool")
        if case .malformed = error?.kind {} else { Issue.record("expected a malformed-line error, got \(String(describing: error))") }
    }

    @Test func theParseErrorNamesTheFieldAndQuotesTheLine() {
        let error = #expect(throws: ThinStatusError.self) {
            try ThinPoolStatus(parsing: "0 418/4096 0/1024 - rx discard_passdown queue_if_no_space - 1024 ")
        }
        #expect(error?.description == """
            cannot parse thin-pool status "0 418/4096 0/1024 - rx discard_passdown queue_if_no_space - 1024 ": \
            mode "rx" is not one of rw, ro, out_of_data_space
            """)
    }
}
