/// One row of `vgs --reportformat json --units b --nosuffix`.
public struct VolumeGroup: Sendable, Hashable, Decodable, LVMReportRow {
    static let reportSection = "vg"
    static let reportFields = ["vg_name", "vg_uuid", "vg_size", "vg_free", "pv_count", "lv_count"]

    public let name: String
    public let uuid: String
    /// `vg_size` in bytes.
    public let size: UInt64
    /// `vg_free` in bytes: space not yet given to any LV.
    public let free: UInt64
    public let physicalVolumeCount: Int
    /// `lv_count`: visible LVs only; a pool's hidden data and metadata LVs are not counted.
    public let logicalVolumeCount: Int

    public init(from decoder: any Decoder) throws {
        let row = try decoder.container(keyedBy: ReportKey.self)
        name = try row.text("vg_name")
        uuid = try row.text("vg_uuid")
        size = try row.number("vg_size")
        free = try row.number("vg_free")
        physicalVolumeCount = try row.number("pv_count")
        logicalVolumeCount = try row.number("lv_count")
    }
}
