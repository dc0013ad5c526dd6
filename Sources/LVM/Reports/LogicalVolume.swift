/// One row of `lvs --reportformat json --units b --nosuffix`.
public struct LogicalVolume: Sendable, Hashable, Decodable, LVMReportRow {
    static let reportSection = "lv"
    static let reportFields = [
        "lv_name", "lv_uuid", "vg_name", "lv_attr", "lv_layout", "thin_id",
        "pool_lv", "origin", "lv_size", "lv_tags", "lv_active",
        "data_percent", "metadata_percent", "lv_kernel_major", "lv_kernel_minor",
    ]

    /// `lv_name`; LVM brackets hidden volumes, e.g. "[pool0_tdata]".
    public let name: String
    public let uuid: String
    public let volumeGroup: String
    public let attributes: LVAttributes
    /// `lv_layout`: ["thin", "sparse"] for a thin volume, ["thin", "pool"] for a pool.
    public let layout: [String]
    /// `thin_id`: the device id inside the pool, for thin volumes only.
    public let thinID: UInt32?
    /// `pool_lv`: the thin pool of a thin volume.
    public let pool: String?
    /// `origin`: what a snapshot was taken of.
    public let origin: String?
    /// `lv_size` in bytes: the virtual size of a thin volume.
    public let size: UInt64
    /// `lv_tags`.
    public let tags: [String]
    /// `lv_active`: "active" for an active LV of a local VG, "" otherwise.
    public let isActive: Bool
    /// `data_percent`: how full a thin pool's data (or a thin volume's share) is; nil when inactive.
    public let dataPercent: Double?
    /// `metadata_percent`: how full a thin pool's metadata is; nil for other LVs.
    public let metadataPercent: Double?
    /// `lv_kernel_major`/`lv_kernel_minor`: the device number of an active LV.
    public let kernelMajor: UInt32?
    public let kernelMinor: UInt32?

    public init(from decoder: any Decoder) throws {
        let row = try decoder.container(keyedBy: ReportKey.self)
        name = try row.text("lv_name")
        uuid = try row.text("lv_uuid")
        volumeGroup = try row.text("vg_name")
        attributes = LVAttributes(try row.text("lv_attr"))
        layout = try row.list("lv_layout")
        thinID = try row.optionalNumber("thin_id")
        pool = try row.optionalText("pool_lv")
        origin = try row.optionalText("origin")
        size = try row.number("lv_size")
        tags = try row.list("lv_tags")
        isActive = try row.text("lv_active") == "active"
        // Rows captured before these fields were asked for lack them.
        dataPercent = try row.optionalDecimal("data_percent")
        metadataPercent = try row.optionalDecimal("metadata_percent")
        // -1 for an inactive LV.
        kernelMajor = try row.optionalDecimal("lv_kernel_major").flatMap { $0 >= 0 ? UInt32($0) : nil }
        kernelMinor = try row.optionalDecimal("lv_kernel_minor").flatMap { $0 >= 0 ? UInt32($0) : nil }
    }

    /// LVM's internal sub-volumes (pool data and metadata, spares), shown only by `lvs -a`.
    public var isHidden: Bool { name.hasPrefix("[") }

    /// `vg/lv`, as LVM commands take it.
    public var qualifiedName: String { "\(volumeGroup)/\(name)" }
}
