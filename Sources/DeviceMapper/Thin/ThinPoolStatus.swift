/// What a `thin-pool` target reports in its status line.
///
/// The kernel prints either the single word `Fail`, or
///
///     <transaction id> <used>/<total metadata blocks> <used>/<total data blocks>
///     <held metadata root>|- ro|rw|out_of_data_space
///     ignore_discard|discard_passdown|no_discard_passdown
///     error_if_no_space|queue_if_no_space needs_check|- <metadata low watermark>
///
/// (Documentation/admin-guide/device-mapper/thin-provisioning.rst; the
/// `ignore_discard` word is in dm-thin.c's `pool_status` but not the document).
public struct ThinPoolStatus: Sendable, Equatable {
    public enum Mode: Sendable, Equatable {
        case readWrite
        /// Metadata changes are refused: after a metadata I/O error, when the
        /// metadata device is full, or with the `read_only` feature.
        case readOnly
        /// Data space ran out: writes to unprovisioned blocks queue or fail
        /// (see `NoSpacePolicy`) until the data device grows.
        case outOfDataSpace
        /// The pool stopped: all I/O fails, and the kernel reports nothing else.
        case failed
    }

    public enum DiscardHandling: Sendable, Equatable {
        /// Discards unmap blocks and are passed down to the data device.
        case passdown
        /// Discards unmap blocks in the pool only.
        case noPassdown
        /// Discards are refused.
        case ignored
    }

    /// What happens to a write that needs a block when the data space is full.
    public enum NoSpacePolicy: Sendable, Equatable {
        /// Held until space is added or `no_space_timeout` passes.
        case queue
        /// Failed at once.
        case error
    }

    /// Blocks used out of blocks available on one of the pool's devices.
    public struct BlockUsage: Sendable, Equatable {
        public var used: UInt64
        public var total: UInt64

        public init(used: UInt64, total: UInt64) {
            self.used = used
            self.total = total
        }

        /// `used` as a percentage of `total`, 0 for an empty device.
        public var percentUsed: Double {
            total == 0 ? 0 : Double(used) / Double(total) * 100
        }
    }

    /// Everything a pool that has not failed reports.
    public struct Details: Sendable, Equatable {
        /// The id userspace last set with `set_transaction_id`.
        public var transactionID: UInt64
        /// In metadata blocks of 4 KiB.
        public var metadata: BlockUsage
        /// In data blocks of the pool's data block size.
        public var data: BlockUsage
        /// The metadata block of the snapshot taken by `reserve_metadata_snap`,
        /// nil when none is held.
        public var heldMetadataRoot: UInt64?
        public var discards: DiscardHandling
        public var noSpacePolicy: NoSpacePolicy
        /// The metadata needs `thin_check` (and perhaps `thin_repair`) before
        /// the pool can be trusted again.
        public var needsCheck: Bool
        /// Free metadata blocks below which the kernel raises a dm event; nil
        /// on kernels before 4.19, which did not print it.
        public var metadataLowWatermark: UInt64?

        public init(
            transactionID: UInt64, metadata: BlockUsage, data: BlockUsage, heldMetadataRoot: UInt64?,
            discards: DiscardHandling, noSpacePolicy: NoSpacePolicy, needsCheck: Bool, metadataLowWatermark: UInt64?
        ) {
            self.transactionID = transactionID
            self.metadata = metadata
            self.data = data
            self.heldMetadataRoot = heldMetadataRoot
            self.discards = discards
            self.noSpacePolicy = noSpacePolicy
            self.needsCheck = needsCheck
            self.metadataLowWatermark = metadataLowWatermark
        }

        public var discardPassdown: Bool { discards == .passdown }
        public var metadataPercentUsed: Double { metadata.percentUsed }
        /// The kernel has no metadata blocks left to give (it reports the blocks
        /// it keeps in reserve as used): the pool is read-only until its
        /// metadata device grows and the pool is resumed.
        public var isOutOfMetadataSpace: Bool { metadata.total > 0 && metadata.used >= metadata.total }
        public var dataPercentUsed: Double { data.percentUsed }
    }

    public var mode: Mode
    /// nil exactly when `mode` is `.failed`: a failed pool reports only `Fail`.
    public var details: Details?

    public init(mode: Mode, details: Details?) {
        self.mode = mode
        self.details = details
    }
}

extension ThinPoolStatus {
    /// Parses the status parameters of a `thin-pool` target.
    ///
    /// Throws `ThinStatusError` quoting the line when it is malformed, or
    /// when the kernel printed `Error` instead of a status.
    public init(parsing line: String) throws(ThinStatusError) {
        switch line.trimmingSpaces {
        case "Fail":
            self.init(mode: .failed, details: nil)
            return
        case "Error":
            throw ThinStatusError(target: "thin-pool", line: line, kind: .kernelReportedError)
        default:
            break
        }
        var fields = StatusFields(target: "thin-pool", line: line)
        let transactionID = try fields.number("transaction id")
        let metadata = try fields.fraction("metadata blocks")
        let data = try fields.fraction("data blocks")
        let heldRoot = try fields.optionalNumber("held metadata root")
        let mode: Mode = try fields.word("mode", ["rw": .readWrite, "ro": .readOnly, "out_of_data_space": .outOfDataSpace])
        let discards: DiscardHandling = try fields.word("discard setting", [
            "discard_passdown": .passdown, "no_discard_passdown": .noPassdown, "ignore_discard": .ignored,
        ])
        let policy: NoSpacePolicy = try fields.word("no-space policy", ["queue_if_no_space": .queue, "error_if_no_space": .error])
        let needsCheck = try fields.word("needs_check flag", ["needs_check": true, "-": false])
        // Kernels from 4.19 append the metadata low watermark; later kernels may
        // append more fields, which are ignored rather than refused.
        let lowWatermark = fields.isEmpty ? nil : try fields.number("metadata low watermark")
        self.init(mode: mode, details: Details(
            transactionID: transactionID,
            metadata: BlockUsage(used: metadata.used, total: metadata.total),
            data: BlockUsage(used: data.used, total: data.total),
            heldMetadataRoot: heldRoot, discards: discards, noSpacePolicy: policy,
            needsCheck: needsCheck, metadataLowWatermark: lowWatermark))
    }

    /// Parses one status line of a device, which must be a `thin-pool` target.
    public init(parsing line: TargetLine) throws(ThinStatusError) {
        guard line.type == "thin-pool" else {
            throw ThinStatusError(target: "thin-pool", line: line.parameters,
                                  kind: .malformed(reason: "the target is \(line.type.debugDescription), not thin-pool"))
        }
        try self.init(parsing: line.parameters)
    }
}
