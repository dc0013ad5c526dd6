import DeviceMapper
import Testing

/// Status lines of real pools, pasted verbatim from `dmsetup status`.
///
/// Captured under qemu (virtme-ng) on Debian's 6.1.0-56-amd64 (dm-thin 1.22.0)
/// and 6.12.117+deb12-amd64 (dm-thin 1.23.0); both kernels printed the same
/// bytes, trailing space and metadata low watermark included, except where a
/// test says otherwise. Pools: 16 MiB of metadata on a loop device (4096
/// blocks), 64 MiB of data (1024 blocks of 64 KiB, or 512 of 128 KiB).
struct ThinPoolStatusCapturedTests {
    func status(_ dmsetup: String) throws -> ThinPoolStatus {
        try ThinPoolStatus(parsing: TargetLine(dmsetup: dmsetup))
    }

    @Test func freshPoolReportsTransactionZeroAndNoDataUsed() throws {
        // `dmsetup create pool --table "0 131072 thin-pool /dev/loop0 /dev/loop1 128 32768"`, 6.1 and 6.12.
        let status = try status("0 131072 thin-pool 0 418/4096 0/1024 - rw discard_passdown queue_if_no_space - 1024 ")
        #expect(status == ThinPoolStatus(mode: .readWrite, details: .init(
            transactionID: 0,
            metadata: .init(used: 418, total: 4096),
            data: .init(used: 0, total: 1024),
            heldMetadataRoot: nil, discards: .passdown, noSpacePolicy: .queue,
            needsCheck: false, metadataLowWatermark: 1024)))
    }

    @Test func poolStatusCountsProvisionedDataBlocks() throws {
        // After 4 MiB at the start of thin 0 and 64 KiB at block 1600, 6.1 and 6.12.
        let details = try #require(try status(
            "0 131072 thin-pool 0 419/4096 65/1024 - rw discard_passdown queue_if_no_space - 1024 ").details)
        #expect(details.data == .init(used: 65, total: 1024))
        #expect(details.metadata == .init(used: 419, total: 4096))
    }

    @Test func poolStatusComputesPercentagesUsed() throws {
        let details = try #require(try status(
            "0 131072 thin-pool 0 419/4096 65/1024 - rw discard_passdown queue_if_no_space - 1024 ").details)
        #expect(details.dataPercentUsed == 65.0 / 1024 * 100)
        #expect(details.metadataPercentUsed == 419.0 / 4096 * 100)
    }

    @Test func poolStatusReportsTheTransactionIDSetLast() throws {
        // After `create_snap 1 0` and `set_transaction_id 0 1`, 6.1 and 6.12.
        let status = try status("0 131072 thin-pool 1 419/4096 65/1024 - rw discard_passdown queue_if_no_space - 1024 ")
        #expect(status.details?.transactionID == 1)
    }

    @Test func poolStatusReportsAHeldMetadataRoot() throws {
        // After `reserve_metadata_snap`. The block differs by kernel: 48 on 6.1, 41 on 6.12.
        let on6_1 = try status("0 131072 thin-pool 2 421/4096 65/1024 48 rw discard_passdown queue_if_no_space - 1024 ")
        let on6_12 = try status("0 131072 thin-pool 2 421/4096 65/1024 41 rw discard_passdown queue_if_no_space - 1024 ")
        #expect(on6_1.details?.heldMetadataRoot == 48)
        #expect(on6_12.details?.heldMetadataRoot == 41)
        #expect(on6_1.details?.metadata.used == 421)
    }

    @Test func poolStatusReportsNoHeldRootAfterRelease() throws {
        // After `release_metadata_snap`, 6.1 and 6.12.
        let status = try status("0 131072 thin-pool 2 420/4096 65/1024 - rw discard_passdown queue_if_no_space - 1024 ")
        #expect(status.details?.heldMetadataRoot == nil)
        #expect(status.details?.transactionID == 2)
    }

    @Test func poolStatusReportsErrorIfNoSpace() throws {
        // `… 256 1024 1 error_if_no_space`, 6.1 and 6.12.
        let status = try status("0 131072 thin-pool 0 418/4096 0/512 - rw discard_passdown error_if_no_space - 1024 ")
        #expect(status.mode == .readWrite)
        #expect(status.details?.noSpacePolicy == .error)
        #expect(status.details?.data.total == 512)
    }

    @Test func poolStatusReportsReadOnly() throws {
        // Reloaded with `2 read_only error_if_no_space`, 6.1 and 6.12.
        let status = try status("0 131072 thin-pool 0 418/4096 0/512 - ro discard_passdown error_if_no_space - 1024 ")
        #expect(status.mode == .readOnly)
        #expect(status.details?.needsCheck == false)
    }

    @Test func poolStatusReportsNoDiscardPassdown() throws {
        // Reloaded with `2 skip_block_zeroing no_discard_passdown`, 6.1 and 6.12:
        // skip_block_zeroing shows only in the table, not in the status.
        let status = try status("0 131072 thin-pool 0 418/4096 0/512 - rw no_discard_passdown queue_if_no_space - 1024 ")
        #expect(status.details?.discards == .noPassdown)
        #expect(status.details?.discardPassdown == false)
    }

    @Test func poolStatusReportsIgnoredDiscards() throws {
        // `… 1 ignore_discard`, 6.1 and 6.12. This word is missing from the kernel's document.
        let status = try status("0 131072 thin-pool 0 418/4096 0/512 - rw ignore_discard queue_if_no_space - 1024 ")
        #expect(status.details?.discards == .ignored)
        #expect(status.details?.discardPassdown == false)
    }

    @Test func poolStatusReportsOutOfDataSpace() throws {
        // 1 MiB of data (16 blocks) with error_if_no_space, after writing 2 MiB to a thin volume, 6.1 and 6.12.
        let status = try status(
            "0 2048 thin-pool 0 419/4096 16/16 - out_of_data_space discard_passdown error_if_no_space - 1024 ")
        #expect(status.mode == .outOfDataSpace)
        #expect(status.details?.noSpacePolicy == .error)
        #expect(status.details?.dataPercentUsed == 100)
    }

    @Test func poolStatusReportsOutOfDataSpaceWhileWritesQueue() throws {
        // The same pool reloaded with no features while a write waits for space, 6.1 and 6.12.
        let status = try status(
            "0 2048 thin-pool 0 419/4096 16/16 - out_of_data_space discard_passdown queue_if_no_space - 1024 ")
        #expect(status.mode == .outOfDataSpace)
        #expect(status.details?.noSpacePolicy == .queue)
    }

    @Test func fullPoolReloadedReportsReadWriteUntilTheNextAllocation() throws {
        // A reload resets the mode: the full pool says rw until a write needs a block, 6.1 and 6.12.
        let status = try status("0 2048 thin-pool 0 419/4096 16/16 - rw discard_passdown queue_if_no_space - 1024 ")
        #expect(status.mode == .readWrite)
        #expect(status.details?.data == .init(used: 16, total: 16))
    }

    @Test func poolStatusReportsNeedsCheck() throws {
        // A pool whose superblock carries the needs_check flag (set and re-signed
        // while the pool was down, as a failed transaction leaves it) comes back
        // read-only: "unable to switch pool to write mode until repaired", 6.1 and 6.12.
        let status = try status(
            "0 131072 thin-pool 3 419/4096 3/1024 - ro discard_passdown queue_if_no_space needs_check 1024 ")
        #expect(status.mode == .readOnly)
        #expect(status.details?.needsCheck == true)
        #expect(status.details?.transactionID == 3)
    }

    @Test func poolStatusReportsFail() throws {
        // Metadata on a dm-linear swapped for the error target, then a write to thin 0:
        // the commit and the abort both failed, 6.1 and 6.12.
        let status = try status("0 131072 thin-pool Fail")
        #expect(status == ThinPoolStatus(mode: .failed, details: nil))
    }
}
