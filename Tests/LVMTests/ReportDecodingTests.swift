@testable import LVM
import Foundation
import Testing

/// Decoding the reports LVM printed on a real thin pool (see `CapturedReports`).
struct ReportDecodingTests {
    func logicalVolumes(_ json: String) throws -> [LogicalVolume] {
        try LVMReport.rows(LogicalVolume.self, json: json, command: .lvs)
    }

    @Test func aThinVolumeNamesItsPoolAndThinID() throws {
        let data = try #require(try logicalVolumes(CapturedReports.allLogicalVolumes).first { $0.name == "data" })
        #expect(data.uuid == "V1oaVQ-Etlo-ANwQ-DOk0-6xZw-N0J1-Aup92U")
        #expect(data.volumeGroup == "fixvg")
        #expect(data.pool == "pool0")
        #expect(data.thinID == 1)
        #expect(data.origin == nil)
        #expect(data.size == 64 << 20)
        #expect(data.layout == ["thin", "sparse"])
        #expect(data.tags.isEmpty)
        #expect(data.isActive)
        #expect(data.attributes.rawValue == "Vwi-a-tz--")
        #expect(data.attributes.isThinVolume && !data.attributes.isThinPool)
        #expect(data.attributes.isActive && data.attributes.isWritable && !data.attributes.isOpen)
        #expect(!data.attributes.skipsActivation)
    }

    @Test func aThinSnapshotNamesItsOriginCarriesItsTagsAndSkipsActivation() throws {
        let snapshot = try #require(try logicalVolumes(CapturedReports.allLogicalVolumes).first { $0.name == "data-snap1" })
        #expect(snapshot.origin == "data")
        #expect(snapshot.pool == "pool0")
        #expect(snapshot.thinID == 2)
        #expect(snapshot.tags == ["dmsnap", "s-bp1afnc98r8kjh4x7q2m"])
        #expect(!snapshot.isActive)
        #expect(!snapshot.attributes.isActive)
        #expect(snapshot.attributes.skipsActivation)
        #expect(snapshot.attributes.isThinVolume)
    }

    @Test func aSnapshotActivatedIgnoringTheSkipFlagReadsAsActive() throws {
        let snapshot = try #require(try logicalVolumes(CapturedReports.logicalVolumesWithActivatedSnapshot).first { $0.name == "data-snap1" })
        #expect(snapshot.isActive)
        #expect(snapshot.attributes.isActive)
        #expect(snapshot.attributes.skipsActivation)
    }

    @Test func aThinPoolHasNoThinIDOrPool() throws {
        let pool = try #require(try logicalVolumes(CapturedReports.allLogicalVolumes).first { $0.name == "pool0" })
        #expect(pool.attributes.isThinPool)
        #expect(pool.attributes.isOpen)
        #expect(pool.layout == ["thin", "pool"])
        #expect(pool.thinID == nil)
        #expect(pool.pool == nil)
        #expect(pool.size == 128 << 20)
    }

    @Test func hiddenVolumesAreMarkedHidden() throws {
        let volumes = try logicalVolumes(CapturedReports.allLogicalVolumes)
        #expect(volumes.filter(\.isHidden).map(\.name) == ["[lvol0_pmspare]", "[pool0_tdata]", "[pool0_tmeta]"])
        #expect(volumes.count == 6)
    }

    @Test func anEmptyReportIsNoRows() throws {
        #expect(try logicalVolumes(CapturedReports.missingLogicalVolume).isEmpty)
    }

    @Test func volumeGroupsDecodeSizesInBytesAndCounts() throws {
        let groups = try LVMReport.rows(VolumeGroup.self, json: CapturedReports.volumeGroups, command: .vgs)
        let group = try #require(groups.first)
        #expect(groups.count == 1)
        #expect(group.name == "fixvg")
        #expect(group.uuid == "f0Vndg-yfyr-VGX7-0Cbe-XSG3-QktZ-Q3IfUP")
        #expect(group.size == 528_482_304)
        #expect(group.free == 385_875_968)
        #expect(group.physicalVolumeCount == 2)
        #expect(group.logicalVolumeCount == 3)
    }

    @Test func physicalVolumesDecodeTheirGroupAndSizes() throws {
        let volumes = try LVMReport.rows(PhysicalVolume.self, json: CapturedReports.physicalVolumes, command: .pvs)
        #expect(volumes.map(\.name) == ["/dev/loop0", "/dev/loop1"])
        #expect(volumes.allSatisfy { $0.volumeGroup == "fixvg" && $0.size == 264_241_152 && !$0.uuid.isEmpty })
        #expect(volumes.map(\.free) == [125_829_120, 260_046_848])
    }

    @Test func theReportIsReassembledFromTheLinesTheLogFunctionReceived() throws {
        let line = try LVMCommandLine.reportLogicalVolumes()
        let output = LVMOutput(commandLine: line, messages: CapturedLog.report)
        let rows = try LVMReport.rows(LogicalVolume.Partial.self, from: output)
        #expect(rows.map(\.name) == ["data", "pool0"])
    }

    @Test func errorsLoggedInsideAReportAreNotPartOfIt() throws {
        let output = LVMOutput(commandLine: try LVMCommandLine.reportLogicalVolumes(), messages: CapturedLog.reportOfMissingVolume)
        #expect(output.errors == [#"Failed to find logical volume "probevg/nosuch""#])
        #expect(try LVMReport.rows(LogicalVolume.self, from: output).isEmpty)
    }

    @Test func warningsAreNotTakenForReportLines() throws {
        let output = LVMOutput(commandLine: try LVMCommandLine.reportLogicalVolumes(),
                               messages: CapturedLog.lvcreateWithWarnings + CapturedLog.report)
        #expect(output.reportLines.count == CapturedLog.report.count)
        #expect(output.printed.count == CapturedLog.report.count + 4)
        #expect(try LVMReport.rows(LogicalVolume.Partial.self, from: output).count == 2)
    }

    @Test func aReportWithoutAFieldTheDecoderNeedsIsMalformedAndSaysWhich() throws {
        let json = #"{"report": [{"lv": [{"lv_name":"data"}]}]}"#
        let error = #expect(throws: LVMError.self) { try logicalVolumes(json) }
        #expect(error?.description.contains("no field lv_uuid") == true, "\(String(describing: error))")
    }

    @Test func aNumberFieldThatIsNotANumberIsMalformed() throws {
        let json = CapturedReports.volumeGroups.replacingOccurrences(of: #""vg_size":"528482304""#, with: #""vg_size":"504.00m""#)
        let error = #expect(throws: LVMError.self) { try LVMReport.rows(VolumeGroup.self, json: json, command: .vgs) }
        #expect(error?.description.contains("vg_size") == true, "\(String(describing: error))")
    }

    @Test func numbersAreAlsoReadUnquotedAsJSONStdPrintsThem() throws {
        let json = #"{"report": [{"vg": [{"vg_name":"v", "vg_uuid":"u", "vg_size":1024, "vg_free":0, "pv_count":1, "lv_count":0}]}]}"#
        #expect(try LVMReport.rows(VolumeGroup.self, json: json, command: .vgs).first?.size == 1024)
    }

    @Test func otherReportSectionsAreSkipped() throws {
        let json = #"{"report": [{"vg": []}], "log": [{"log_seq_num":"1"}]}"#
        #expect(try LVMReport.rows(VolumeGroup.self, json: json, command: .vgs).isEmpty)
    }
}

extension LogicalVolume {
    /// The fields of `CapturedLog.report`, which asked for fewer than dmsnap does.
    struct Partial: LVMReportRow {
        static let reportSection = "lv"
        static let reportFields = ["lv_name", "lv_uuid", "thin_id", "lv_tags", "lv_attr"]
        let name: String

        init(from decoder: any Decoder) throws {
            name = try decoder.container(keyedBy: ReportKey.self).text("lv_name")
        }
    }
}
