import DeviceMapper
import Testing

struct DeviceNameTests {
    @Test(arguments: ["", "with space", "semi;colon", "new\nline", "-leading", "../escape", "quote\"d", String(repeating: "x", count: 128)])
    func unsafeDeviceNamesAreRefusedBeforeAnyIoctl(name: String) throws {
        let error = try #require(throws: DeviceMapperError.self) { _ = try DeviceMapper(udev: nil).info(name) }
        #expect(error.kind == .invalidArgument)
    }
}
