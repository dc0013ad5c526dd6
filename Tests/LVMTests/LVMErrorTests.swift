import CLVM2Cmd
@testable import LVM
import Testing

struct LVMErrorTests {
    @Test func aFailedCommandNamesTheCommandTheResultAndLVMsOwnErrors() throws {
        let failure = LVMError.CommandFailure(
            command: .lvcreate,
            commandLine: "lvcreate --yes --type thin --virtualsize 131072s --thinpool pool0 --name x nosuchvg",
            status: LVMStatus(returnCode: 5),
            errors: CapturedLog.lvcreateInMissingVolumeGroup.filter(\.isError).map(\.text))
        #expect(LVMError.commandFailed(failure).description == """
            lvcreate failed (processing failed, lvm2_run returned 5): \
            Volume group "nosuchvg" not found; Cannot process volume group nosuchvg \
            [lvcreate --yes --type thin --virtualsize 131072s --thinpool pool0 --name x nosuchvg]
            """)
    }

    @Test func aFailureWithoutErrorLinesSaysSo() {
        let failure = LVMError.CommandFailure(command: .vgs, commandLine: "vgs", status: .noSuchCommand, errors: [])
        #expect(LVMError.commandFailed(failure).description == "vgs failed (no such command, lvm2_run returned 2): LVM logged no error [vgs]")
    }

    @Test func anInvalidArgumentQuotesTheValueAndSaysWhy() {
        let error = #expect(throws: LVMError.self) { try LVMName(logicalVolume: "data;reboot") }
        #expect(error?.description == #"invalid logical volume name "data;reboot": character ";" is not allowed (use letters, digits and + _ . -)"#)
    }

    @Test func anInvalidArgumentShowsControlCharactersEscaped() {
        let error = #expect(throws: LVMError.self) { try LVMName(volumeGroup: "vg\n0") }
        #expect(error?.description == #"invalid volume group name "vg\n0": character "\n" is not allowed (use letters, digits and + _ . -)"#)
    }

    @Test(arguments: [(1, "succeeded"), (2, "no such command"), (3, "invalid parameters"), (4, "initialisation failed"), (5, "processing failed"), (9, "unknown result 9")])
    func everyReturnCodeOfLVM2RunHasAMeaning(code: Int32, meaning: String) {
        #expect(LVMStatus(returnCode: code).description == meaning)
        #expect(LVMStatus(returnCode: code).returnCode == code)
    }

    @Test func returnCodesAndLevelsAreThoseOfLVM2CmdH() {
        for (status, code) in LVMStatus.headerCodes { #expect(status.returnCode == code) }
        #expect(LVMStatus.headerCodes.count == 5)
        for (level, value) in LVMLogLevel.headerLevels { #expect(level.rawValue == value) }
        #expect(LVMLogLevel.headerLevels.count == 6)
        #expect(LVM2_LOG_PRINT == 4 && LVM2_LOG_ERROR == 3 && LVM2_LOG_FATAL == 2)
    }

    @Test func fatalAndErrorLinesAreErrorsAndPrintLinesAreNot() {
        #expect(LVMLogMessage(level: .fatal, text: "x").isError)
        #expect(LVMLogMessage(level: .error, text: "x").isError)
        #expect(!LVMLogMessage(level: .print, text: "x").isError)
    }
}
