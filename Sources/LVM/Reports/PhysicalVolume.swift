/// One row of `pvs --reportformat json --units b --nosuffix`.
public struct PhysicalVolume: Sendable, Hashable, Decodable, LVMReportRow {
    static let reportSection = "pv"
    static let reportFields = ["pv_name", "vg_name", "pv_size", "pv_free", "pv_uuid"]

    /// `pv_name`: the device path, e.g. "/dev/loop0".
    public let name: String
    /// `vg_name`; nil for a PV in no volume group.
    public let volumeGroup: String?
    /// `pv_size` in bytes: the usable size, after LVM's label and metadata area.
    public let size: UInt64
    /// `pv_free` in bytes.
    public let free: UInt64
    public let uuid: String

    public init(from decoder: any Decoder) throws {
        let row = try decoder.container(keyedBy: ReportKey.self)
        name = try row.text("pv_name")
        volumeGroup = try row.optionalText("vg_name")
        size = try row.number("pv_size")
        free = try row.number("pv_free")
        uuid = try row.text("pv_uuid")
    }
}
