import DeviceMapper
import Testing

struct LinearZeroErrorTableTests {
    @Test func linearLineMapsOntoTheDeviceFromTheOffset() throws {
        let table = try LinearTable(start: 2048, length: 4096, device: DeviceReference("/dev/loop1"), offset: 8192)
        #expect(table.targetLine == TargetLine(start: 2048, length: 4096, type: "linear", parameters: "/dev/loop1 8192"))
    }

    @Test func linearOffsetDefaultsToTheStartOfTheDevice() throws {
        let table = try LinearTable(length: 32768, device: DeviceReference("7:4"))
        #expect(table.targetLine.parameters == "7:4 0")
    }

    @Test func linearOffsetEndingPastTheLastSectorIsRefused() {
        let error = #expect(throws: TargetArgumentError.self) {
            try LinearTable(length: 2, device: DeviceReference("7:4"), offset: .max)
        }
        #expect(error == TargetArgumentError("linear offset", value: String(UInt64.max), reason: .endsPastLastSector))
    }

    @Test func zeroLineHasNoParameters() throws {
        #expect(try ZeroTable(length: 2048).targetLine == TargetLine(start: 0, length: 2048, type: "zero", parameters: ""))
    }

    @Test func errorLineHasNoParameters() throws {
        #expect(try ErrorTable(start: 8, length: 32768).targetLine
            == TargetLine(start: 8, length: 32768, type: "error", parameters: ""))
    }

    @Test func zeroLengthTargetsAreRefused() throws {
        let device = try DeviceReference("/dev/loop1")
        #expect(throws: TargetArgumentError("target length", value: "0", reason: .zeroLength)) {
            try LinearTable(length: 0, device: device)
        }
        #expect(throws: TargetArgumentError("target length", value: "0", reason: .zeroLength)) { try ZeroTable(length: 0) }
        #expect(throws: TargetArgumentError("target length", value: "0", reason: .zeroLength)) { try ErrorTable(length: 0) }
    }
}
