import Foundation
@testable import Snapshots
import Testing

/// The block maps read from thin_dump's and thin_delta's XML (as 0.9.0 prints
/// it, with a 64 KiB block), the byte ranges made of them, and the versions of
/// thin-provisioning-tools refused.
struct BlockMapParsingTests {
    static let dump = """
        <superblock uuid="" time="1" transaction="2" flags="0" version="2" data_block_size="128" nr_data_blocks="1000">
          <device dev_id="1" mapped_blocks="4" transaction="0" creation_time="0" snap_time="1">
            <range_mapping origin_begin="0" data_begin="0" length="3" time="0"/>
            <single_mapping origin_block="10" data_block="5" time="0"/>
          </device>
          <device dev_id="2" mapped_blocks="4" transaction="1" creation_time="1" snap_time="1">
            <range_mapping origin_begin="0" data_begin="0" length="2" time="0"/>
            <single_mapping origin_block="2" data_block="7" time="1"/>
            <single_mapping origin_block="20" data_block="8" time="1"/>
          </device>
        </superblock>
        """
    static let delta = """
        <superblock uuid="" time="1" transaction="2" data_block_size="128" nr_data_blocks="1000">
          <diff left="1" right="2">
            <same begin="0" length="2"/>
            <different begin="2" length="1"/>
            <left_only begin="10" length="1"/>
            <right_only begin="20" length="1"/>
          </diff>
        </superblock>
        """
    static let verboseDelta = """
        <superblock uuid="" time="1" transaction="2" data_block_size="128" nr_data_blocks="1000">
          <diff left="1" right="2">
            <same><range begin="0" data_begin="0" length="2"/></same>
            <different><range begin="2" left_data_begin="2" right_data_begin="7" length="1"/></different>
            <left_only><range begin="10" data_begin="5" length="1"/></left_only>
            <right_only><range begin="20" data_begin="8" length="1"/></right_only>
          </diff>
        </superblock>
        """
    static let block: UInt64 = 65536

    /// Hands `text` to `body` as the read end of a file, as a tool's pipe would be.
    func reading<T>(_ text: String, _ body: (Int32) throws -> T) throws -> T {
        let path = NSTemporaryDirectory() + "dmsnap-block-map-\(UUID().uuidString).xml"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        return try body(fd)
    }

    @Test func mappingsAreThoseOfTheAskedDeviceOnlyMergedWhereTheyTouch() throws {
        let map = try reading(Self.dump) { try ThinMetadataXML.mappings(ofDevice: 2, readingFrom: $0) }
        #expect(map.dataBlockSectors == 128)
        #expect(map.runs == [.init(begin: 0, length: 3), .init(begin: 20, length: 1)])
        #expect(map.byteRanges(clampedTo: 1 << 30) == [ByteRange(offset: 0, length: 3 * Self.block),
                                                       ByteRange(offset: 20 * Self.block, length: Self.block)])
    }

    @Test func aDeviceTheMetadataDoesNotHoldIsRefused() throws {
        #expect(throws: SnapshotsError.self) { try reading(Self.dump) { try ThinMetadataXML.mappings(ofDevice: 9, readingFrom: $0) } }
    }

    @Test func changesAreDifferentLeftOnlyAndRightOnlyButNotSame() throws {
        for xml in [Self.delta, Self.verboseDelta] {
            let map = try reading(xml) { try ThinMetadataXML.changes(readingFrom: $0) }
            #expect(map.runs == [.init(begin: 2, length: 1), .init(begin: 10, length: 1), .init(begin: 20, length: 1)])
        }
    }

    @Test func malformedXMLIsRefused() throws {
        #expect(throws: SnapshotsError.self) { try reading("<superblock data_block_size=\"128\"><diff>") { try ThinMetadataXML.changes(readingFrom: $0) } }
        #expect(throws: SnapshotsError.self) {
            try reading("<superblock data_block_size=\"128\"><different begin=\"x\" length=\"1\"/></superblock>") {
                try ThinMetadataXML.changes(readingFrom: $0)
            }
        }
        #expect(throws: SnapshotsError.self) { try reading("<diff/>") { try ThinMetadataXML.changes(readingFrom: $0) } }
    }

    @Test func rangesAreSortedMergedAndClampedToTheVolume() {
        let ranges = [ByteRange(offset: 100, length: 50), ByteRange(offset: 0, length: 10), ByteRange(offset: 10, length: 5),
                      ByteRange(offset: 120, length: 100), ByteRange(offset: 300, length: 10), ByteRange(offset: 40, length: 0),
                      ByteRange(offset: UInt64.max - 1, length: 10)]
        let normalized = ByteRange.normalized(ranges, clampedTo: 200)
        #expect(normalized == [ByteRange(offset: 0, length: 15), ByteRange(offset: 100, length: 100)])
        #expect(normalized.totalBytes == 115)
    }

    @Test func versionsOneZeroZeroToOneZeroFiveAreRefused() {
        #expect(ThinToolsVersion(parsing: "0.9.0")?.refusal == nil)
        #expect(ThinToolsVersion(parsing: "thin_dump 1.0.6\n")?.refusal == nil)
        #expect(ThinToolsVersion(parsing: "1.1.0")?.refusal == nil)
        for text in ["1.0.0", "1.0.3", "1.0.5"] { #expect(ThinToolsVersion(parsing: text)?.refusal != nil, "\(text)") }
        #expect(ThinToolsVersion(parsing: "unknown") == nil)
    }
}
