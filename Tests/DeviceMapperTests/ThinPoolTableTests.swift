import DeviceMapper
import Testing

struct ThinPoolTableTests {
    let metadata = try! DeviceReference("/dev/loop0")
    let data = try! DeviceReference("7:1")

    @Test func poolLineCarriesDevicesBlockSizeAndLowWaterMark() throws {
        let table = try ThinPoolTable(length: 131_072, metadataDevice: metadata, dataDevice: data,
                                      dataBlockSize: 128, lowWaterMark: 32768)
        #expect(table.targetLine == TargetLine(start: 0, length: 131_072, type: "thin-pool",
                                               parameters: "/dev/loop0 7:1 128 32768 0"))
    }

    @Test func featuresAreCountedAndWrittenInTheKernelsOrder() throws {
        let table = try ThinPoolTable(length: 2048, metadataDevice: metadata, dataDevice: data,
                                      dataBlockSize: 256, lowWaterMark: 0,
                                      features: [.errorIfNoSpace, .readOnly, .noDiscardPassdown, .ignoreDiscard, .skipBlockZeroing])
        #expect(table.targetLine.parameters ==
            "/dev/loop0 7:1 256 0 5 skip_block_zeroing ignore_discard no_discard_passdown read_only error_if_no_space")
    }

    @Test func oneFeatureIsCountedAsOne() throws {
        let table = try ThinPoolTable(start: 0, length: 2048, metadataDevice: metadata, dataDevice: data,
                                      dataBlockSize: 128, lowWaterMark: 4, features: [.errorIfNoSpace])
        #expect(table.targetLine.parameters == "/dev/loop0 7:1 128 4 1 error_if_no_space")
    }

    @Test(arguments: [128, 256, 384, 2_097_152])
    func blockSizesThatAreMultiplesOf64KiBAreAccepted(size: UInt64) throws {
        let table = try ThinPoolTable(length: 4_194_304, metadataDevice: metadata, dataDevice: data,
                                      dataBlockSize: size, lowWaterMark: 0)
        #expect(table.dataBlockSize == size)
    }

    @Test(arguments: [192, 200, 129, 2_097_024 + 64])
    func blockSizesThatAreNotMultiplesOf128SectorsAreRefused(size: UInt64) {
        let error = #expect(throws: TargetArgumentError.self) {
            try ThinPoolTable(length: 4_194_304, metadataDevice: metadata, dataDevice: data, dataBlockSize: size, lowWaterMark: 0)
        }
        #expect(error == TargetArgumentError("data block size", value: String(size), reason: .notAMultiple(of: 128)))
    }

    @Test(arguments: [0, 64, 127, 2_097_152 + 128, 4_194_304])
    func blockSizesOutside64KiBTo1GiBAreRefused(size: UInt64) {
        let error = #expect(throws: TargetArgumentError.self) {
            try ThinPoolTable(length: 4_194_304, metadataDevice: metadata, dataDevice: data, dataBlockSize: size, lowWaterMark: 0)
        }
        #expect(error?.reason == .outOfRange(128...2_097_152))
    }

    @Test func aZeroLengthPoolIsRefused() {
        let error = #expect(throws: TargetArgumentError.self) {
            try ThinPoolTable(length: 0, metadataDevice: metadata, dataDevice: data, dataBlockSize: 128, lowWaterMark: 0)
        }
        #expect(error?.reason == .zeroLength)
    }
}
