/// The table line of a `thin-pool` target:
/// `start length thin-pool METADATA DATA BLOCK_SIZE LOW_WATER_MARK N FEATURE…`.
///
/// Every argument is checked when the value is made, so a `ThinPoolTable`
/// always renders a line the kernel's constructor accepts on its own terms.
public struct ThinPoolTable: Sendable, Equatable {
    /// The optional feature arguments of a pool.
    ///
    /// Declared in the order the kernel prints them back (`emit_flags` in
    /// dm-thin.c), so a line dmsnap builds reads like `dmsetup table` shows it.
    public enum Feature: String, Sendable, Hashable, CaseIterable {
        /// Do not zero newly provisioned blocks: faster, but a thin volume can
        /// then read stale data from a block it never wrote.
        case skipBlockZeroing = "skip_block_zeroing"
        /// Turn discards off for the pool and its thin volumes.
        case ignoreDiscard = "ignore_discard"
        /// Unmap discarded blocks in the pool but do not pass discards to the data device.
        case noDiscardPassdown = "no_discard_passdown"
        /// Refuse metadata changes (no provisioning); the metadata must already exist.
        case readOnly = "read_only"
        /// Fail writes at once when data space runs out instead of queueing them
        /// for `no_space_timeout` (60 s by default).
        case errorIfNoSpace = "error_if_no_space"
    }

    /// The smallest data block the kernel accepts, 64 KiB; block sizes are multiples of it.
    public static let minimumDataBlockSize: UInt64 = 128
    /// The largest data block the kernel accepts, 1 GiB.
    public static let maximumDataBlockSize: UInt64 = 2_097_152

    public let start: UInt64
    /// The pool's size in sectors; the kernel uses whole data blocks of it.
    public let length: UInt64
    public let metadataDevice: DeviceReference
    public let dataDevice: DeviceReference
    /// In sectors.
    public let dataBlockSize: UInt64
    /// Free data blocks below which the kernel raises a dm event.
    public let lowWaterMark: UInt64
    public let features: Set<Feature>

    public init(
        start: UInt64 = 0,
        length: UInt64,
        metadataDevice: DeviceReference,
        dataDevice: DeviceReference,
        dataBlockSize: UInt64,
        lowWaterMark: UInt64,
        features: Set<Feature> = []
    ) throws(TargetArgumentError) {
        try validateExtent(start: start, length: length)
        let sizes = Self.minimumDataBlockSize...Self.maximumDataBlockSize
        guard sizes.contains(dataBlockSize) else {
            throw TargetArgumentError("data block size", value: "\(dataBlockSize)", reason: .outOfRange(sizes))
        }
        guard dataBlockSize.isMultiple(of: Self.minimumDataBlockSize) else {
            throw TargetArgumentError("data block size", value: "\(dataBlockSize)",
                                      reason: .notAMultiple(of: Self.minimumDataBlockSize))
        }
        self.start = start
        self.length = length
        self.metadataDevice = metadataDevice
        self.dataDevice = dataDevice
        self.dataBlockSize = dataBlockSize
        self.lowWaterMark = lowWaterMark
        self.features = features
    }

    public var targetLine: TargetLine {
        let featureArguments = Feature.allCases.filter(features.contains).map(\.rawValue)
        let arguments = [
            metadataDevice.argument, dataDevice.argument, String(dataBlockSize), String(lowWaterMark),
            String(featureArguments.count),
        ] + featureArguments
        return TargetLine(start: start, length: length, type: "thin-pool",
                          parameters: arguments.joined(separator: " "))
    }
}
