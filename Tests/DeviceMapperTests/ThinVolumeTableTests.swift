import DeviceMapper
import Testing

struct ThinVolumeTableTests {
    let pool = try! DeviceReference("/dev/mapper/pool")

    @Test func thinLineNamesThePoolAndTheDeviceID() throws {
        let table = try ThinVolumeTable(length: 2_097_152, pool: pool, id: 0)
        #expect(table.targetLine == TargetLine(start: 0, length: 2_097_152, type: "thin", parameters: "/dev/mapper/pool 0"))
    }

    @Test func thinLineCarriesTheLargestID() throws {
        let table = try ThinVolumeTable(length: 8, pool: DeviceReference("253:2"), id: ThinDeviceID(0xFF_FFFF))
        #expect(table.targetLine.parameters == "253:2 16777215")
    }

    @Test func externalOriginIsTheThirdArgument() throws {
        let table = try ThinVolumeTable(length: 2_097_152, pool: pool, id: 3, externalOrigin: DeviceReference("/dev/loop0"))
        #expect(table.targetLine.parameters == "/dev/mapper/pool 3 /dev/loop0")
    }

    @Test func thePoolCannotBeItsOwnExternalOrigin() {
        let error = #expect(throws: TargetArgumentError.self) {
            try ThinVolumeTable(length: 8, pool: pool, id: 1, externalOrigin: pool)
        }
        #expect(error == TargetArgumentError("external origin", value: "/dev/mapper/pool", reason: .originIsThePool))
    }

    @Test func aZeroLengthVolumeIsRefused() {
        let error = #expect(throws: TargetArgumentError.self) { try ThinVolumeTable(length: 0, pool: pool, id: 1) }
        #expect(error?.reason == .zeroLength)
    }

    @Test func aVolumeEndingPastTheLastSectorIsRefused() {
        let error = #expect(throws: TargetArgumentError.self) {
            try ThinVolumeTable(start: .max, length: 1, pool: pool, id: 1)
        }
        #expect(error?.reason == .endsPastLastSector)
    }
}
