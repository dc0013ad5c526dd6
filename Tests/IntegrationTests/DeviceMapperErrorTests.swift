import DeviceMapper
import Testing

/// Failures come back as typed values that name the operation, the device and the cause.
@Suite(.serialized)
struct DeviceMapperErrorTests {
    let deviceMapper = DeviceMapper()

    @Test(.enabled(if: Rig.enabled))
    func aMissingDeviceIsNoSuchDevice() throws {
        try Rig.requireKernel()
        let name = Rig.uniqueName("missing")
        #expect(try deviceMapper.info(name) == nil)
        for call in [{ _ = try deviceMapper.status(name) }, { _ = try deviceMapper.table(name) },
                     { try deviceMapper.resume(name) }, { try deviceMapper.remove(name) }] {
            let error = try #require(throws: DeviceMapperError.self) { try call() }
            #expect(error.kind == .noSuchDevice, "\(error)")
            #expect(error.device == name)
            #expect(error.description.contains(name))
        }
        #expect(try deviceMapper.tableIfPresent(name) == nil, "a scan skips a device gone since it was listed")
        #expect(throws: DeviceMapperError.self) { try deviceMapper.tableIfPresent("bad name") }
    }

    @Test(.enabled(if: Rig.enabled))
    func aTableTheKernelRejectsIsRejectedWithItsMessage() throws {
        try Rig.requireKernel()
        let name = Rig.uniqueName("rejected")
        let error = try #require(throws: DeviceMapperError.self) {
            try deviceMapper.create(name, table: [TargetLine(start: 0, length: 2048, type: "linear", parameters: "/dev/does-not-exist 0")])
        }
        #expect(error.operation == .create)
        #expect(error.device == name)
        #expect(!error.message.isEmpty)
        #expect(try deviceMapper.info(name) == nil, "a failed create leaves no device behind")
    }

    @Test(.enabled(if: Rig.enabled))
    func anUnknownTargetTypeIsRefused() throws {
        try Rig.requireKernel()
        let name = Rig.uniqueName("unknowntarget")
        let error = try #require(throws: DeviceMapperError.self) {
            try deviceMapper.create(name, table: [TargetLine(start: 0, length: 8, type: "no-such-target", parameters: "")])
        }
        #expect(error.description.contains(name), "\(error)")
        #expect(try deviceMapper.info(name) == nil)
    }

    @Test(.enabled(if: Rig.enabled))
    func aMessageToATargetWithoutMessagesFails() throws {
        try Rig.requireKernel()
        let name = Rig.uniqueName("nomessage")
        try deviceMapper.create(name, table: [TargetLine(start: 0, length: 8, type: "zero", parameters: "")])
        defer { try? deviceMapper.remove(name) }
        let error = try #require(throws: DeviceMapperError.self) { try deviceMapper.message(name, "create_thin 0") }
        #expect(error.operation == .message)
        #expect(error.device == name)
    }
}
