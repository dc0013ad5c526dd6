/// A size for `--size`, `--virtualsize` or `--chunksize`: a whole number of
/// 512-byte sectors, greater than zero.
///
/// It is written on the command line in sectors (`NNNs`): LVM converts a size
/// argument through a `double` (`_size_arg` in tools/lvmcmdline.c), which is
/// exact only up to 2^53, so sizes past that many sectors are refused.
public struct LVMSize: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let sectorSize: UInt64 = 512
    public static let maximumSectors: UInt64 = 1 << 53

    public let sectors: UInt64

    public var bytes: UInt64 { sectors * Self.sectorSize }

    public init(sectors: UInt64) throws(LVMError) {
        guard sectors > 0 else { throw LVMError.invalid("size", "\(sectors) sectors", "it is zero") }
        guard sectors <= Self.maximumSectors else {
            throw LVMError.invalid("size", "\(sectors) sectors", "LVM reads sizes as a double, exact only up to 2^53 sectors")
        }
        self.sectors = sectors
    }

    public init(bytes: UInt64) throws(LVMError) {
        guard bytes % Self.sectorSize == 0 else {
            throw LVMError.invalid("size", "\(bytes) bytes", "it is not a whole number of 512-byte sectors")
        }
        try self.init(sectors: bytes / Self.sectorSize)
    }

    public static func kibibytes(_ count: UInt64) throws(LVMError) -> LVMSize {
        try scaled(count, by: 1 << 10, unit: "KiB")
    }

    public static func mebibytes(_ count: UInt64) throws(LVMError) -> LVMSize {
        try scaled(count, by: 1 << 20, unit: "MiB")
    }

    public static func gibibytes(_ count: UInt64) throws(LVMError) -> LVMSize {
        try scaled(count, by: 1 << 30, unit: "GiB")
    }

    private static func scaled(_ count: UInt64, by factor: UInt64, unit: String) throws(LVMError) -> LVMSize {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: factor)
        guard !overflow else { throw LVMError.invalid("size", "\(count) \(unit)", "it does not fit in 64 bits of bytes") }
        return try LVMSize(bytes: bytes)
    }

    /// The word LVM is given, in sectors.
    var argument: String { "\(sectors)s" }

    public var description: String { "\(bytes) bytes" }

    public static func < (lhs: LVMSize, rhs: LVMSize) -> Bool { lhs.sectors < rhs.sectors }
}
