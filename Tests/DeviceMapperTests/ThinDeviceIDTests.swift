import DeviceMapper
import Testing

struct ThinDeviceIDTests {
    @Test(arguments: [0, 1, 0xFF_FFFF])
    func idsThatFitIn24BitsAreAccepted(value: Int) throws {
        #expect(try ThinDeviceID(value).value == UInt32(value))
    }

    @Test(arguments: [-1, 0x100_0000, Int(UInt32.max), Int.max])
    func idsOutsideTheKernelsRangeAreRefused(value: Int) {
        let error = #expect(throws: TargetArgumentError.self) { try ThinDeviceID(value) }
        #expect(error?.argument == "thin device id")
        #expect(error?.value == String(value))
        #expect(error?.reason == .outOfRange(0...16_777_215))
    }
}
