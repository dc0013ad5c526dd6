import Foundation
@testable import Snapshots
import Testing

/// The manifest's on-disk slots: what is written reads back, and a torn or
/// corrupt slot is recognised so the reader falls back to the other one.
struct ManifestSlotTests {
    static let capacity = 1 << 20

    static func manifest(snapshots: Int = 2, name: String = "p") -> PoolManifest {
        let created = Date(timeIntervalSince1970: 1_780_000_000.125)
        let pool = PoolRecord(name: name, dataDevice: "/dev/loop0", metadataDevice: "/dev/loop1",
                              dataFile: "/var/lib/dmsnap/pools/\(name)/data.img", metadataFile: nil,
                              blockSizeSectors: 128, lowWaterMarkBlocks: 16, dataSectors: 1 << 21,
                              transactionId: 7, nextThinId: UInt32(snapshots + 2), createdAt: created)
        let disk = DiskRecord(id: "d-0123456789abcdefghij", name: "web", description: "the web disk", poolName: name,
                              thinId: 0, sizeBytes: 1 << 30, createdAt: created, sourceSnapshotId: nil)
        let clone = DiskRecord(id: "d-klmnopqrstuvwxyz0123", name: "clone", description: "", poolName: name,
                               thinId: 1, sizeBytes: 1 << 30, createdAt: created, sourceSnapshotId: "s-00000000000000000000")
        let records = (0..<snapshots).map { (index: Int) -> SnapshotRecord in
            let id = "s-" + String(repeating: "0", count: 20 - String(index).count) + String(index)
            let groupId: String? = index == 1 ? "ssg-aaaaaaaaaaaaaaaaaaaa" : nil
            let retention: Int? = index == 0 ? 7 : nil
            return SnapshotRecord(id: id, name: "before-upgrade-\(index)", description: "ünïcode ✓", diskId: disk.id,
                                  poolName: name, thinId: UInt32(index + 2), sourceDiskSizeBytes: 1 << 30,
                                  createdAt: created.addingTimeInterval(Double(index)), modifiedAt: created,
                                  retentionDays: retention, groupId: groupId, holdWindowMicroseconds: 1234)
        }
        let group = SnapshotGroupRecord(id: "ssg-aaaaaaaaaaaaaaaaaaaa", name: "nightly", description: "", createdAt: created,
                                        status: .accomplished, holdWindowMicroseconds: 99, diskIds: [disk.id])
        return PoolManifest(pool: pool, disks: [disk, clone], snapshots: records, groups: [group], writtenAt: created)
    }

    @Test func aWrittenSlotReadsBackAsTheSameManifestAndGeneration() throws {
        let manifest = Self.manifest()
        let bytes = try ManifestSlot.encode(manifest, generation: 42, capacity: Self.capacity)
        #expect(bytes.count % 4096 == 0 && bytes.count > 0, "whole 4 KiB blocks, as O_DIRECT writes them")
        #expect(ManifestSlot.decode(bytes, capacity: Self.capacity) == .manifest(generation: 42, manifest))
        #expect(ManifestSlot.span(firstBlock: bytes.prefix(4096), capacity: Self.capacity) == bytes.count)
    }

    @Test func aManifestOfAFewDozenRecordsIsOneSmallWrite() throws {
        let bytes = try ManifestSlot.encode(Self.manifest(snapshots: 8), generation: 1, capacity: Self.capacity)
        #expect(bytes.count <= 8192, "\(bytes.count) bytes")
    }

    @Test func everyFlippedBitIsCaughtByTheChecksum() throws {
        let bytes = try ManifestSlot.encode(Self.manifest(), generation: 3, capacity: Self.capacity)
        let length = 4096 + (Int(bytes[12]) | Int(bytes[13]) << 8)
        // Every byte of the length, generation and both checksums, and the payload (the magic and version are checked before it).
        for offset in Array(12..<32) + Array(stride(from: 4096, to: length, by: 7)) {
            var flipped = bytes
            flipped[offset] ^= 0x10
            guard case .damaged(let why) = ManifestSlot.decode(flipped, capacity: Self.capacity) else {
                Issue.record("a flipped bit at \(offset) was not caught")
                continue
            }
            #expect(why.contains("checksum"), "\(why)")
        }
    }

    @Test func aTornWriteFallsBackToTheOtherSlot() throws {
        let older = Self.manifest(snapshots: 30)
        var newer = older
        newer.snapshots.removeLast()
        let kept = try ManifestSlot.encode(older, generation: 5, capacity: Self.capacity)
        // The slot overwritten held generation 4; the new payload reached part of it, its header (written last) never did.
        var torn = try ManifestSlot.encode(Self.manifest(snapshots: 40), generation: 4, capacity: Self.capacity)
        let written = try ManifestSlot.encode(newer, generation: 6, capacity: Self.capacity)
        #expect(written.count > 8192, "a write of several blocks, so that some can land without the rest")
        torn.replaceSubrange(4096..<8192, with: written[4096..<8192])
        let slots = [kept, torn].map { ManifestSlot.decode($0, capacity: Self.capacity) }
        #expect(slots[1] != .manifest(generation: 6, newer))
        let newest = try #require(ManifestSlot.newest(slots))
        #expect(newest.index == 0 && newest.generation == 5 && newest.manifest == older)
        // The writer, which trusts a format-2 header, sees generation 4 there, and overwrites that slot again.
        let checked = [kept, torn].map { slot in
            ManifestSlot.check(capacity: Self.capacity, chunk: 8192, trustingHeader: true) { offset, count in
                Array((slot + [UInt8](repeating: 0, count: Self.capacity - slot.count))[offset..<offset + count])
            }
        }
        #expect(ManifestSlot.newest(checked)?.index == 0)
        if case .intact(let generation, _) = checked[1] { #expect(generation == 4) } else { Issue.record("\(checked[1])") }
        #expect(ManifestSlot.check(torn, capacity: Self.capacity) != checked[1], "the payload's checksum catches it")
    }

    @Test func aSlotOfFormatOneStillReadsBack() throws {
        let manifest = Self.manifest(snapshots: 5)
        let legacy = try Self.legacySlot(manifest, generation: 11)
        #expect(ManifestSlot.decode(legacy, capacity: 4 << 20) == .manifest(generation: 11, manifest))
        #expect(ManifestSlot.check(legacy, capacity: 4 << 20) == .intact(generation: 11, length: Self.legacyLength(legacy)))
        #expect(Self.checkedInChunks(legacy, trustingHeader: true) == ManifestSlot.check(legacy, capacity: Self.capacity),
                "a format-1 slot is checked whole even by a writer: it was written header first")
        var flipped = legacy
        flipped[40] ^= 1
        #expect(Self.checkedInChunks(flipped, trustingHeader: true) != ManifestSlot.check(legacy, capacity: Self.capacity))
    }

    /// A slot as dmsnap wrote it in format 1: header, then the payload at 32, checksum over header then payload.
    static func legacySlot(_ manifest: PoolManifest, generation: UInt64) throws -> [UInt8] {
        let payload = try manifest.encodedJSON().json
        var header = ManifestSlot.magic + ManifestSlot.littleEndian(UInt32(1)) + ManifestSlot.littleEndian(UInt32(payload.count))
            + ManifestSlot.littleEndian(generation)
        var crc = CRC32C()
        crc.combine(header[...])
        crc.combine(payload[...])
        header += ManifestSlot.littleEndian(crc.value) + ManifestSlot.littleEndian(UInt32(0))
        let slot = header + payload
        return slot + [UInt8](repeating: 0, count: ManifestSlot.roundedUp(slot.count) - slot.count)
    }

    static func legacyLength(_ slot: [UInt8]) -> Int {
        Int(slot[12]) | Int(slot[13]) << 8 | Int(slot[14]) << 16
    }

    @Test func theNewerOfTwoValidSlotsWins() throws {
        let first = Self.manifest(snapshots: 1), second = Self.manifest(snapshots: 2)
        let slots = [try ManifestSlot.encode(second, generation: 9, capacity: Self.capacity),
                     try ManifestSlot.encode(first, generation: 8, capacity: Self.capacity)]
            .map { ManifestSlot.decode($0, capacity: Self.capacity) }
        #expect(ManifestSlot.newest(slots)?.manifest == second)
        #expect(ManifestSlot.newest(slots.reversed())?.index == 1)
        let checked = slots.map { content -> ManifestSlot.Checked in
            guard case .manifest(let generation, _) = content else { return .blank }
            return .intact(generation: generation, length: 0)
        }
        #expect(ManifestSlot.newest(checked)?.index == 0 && ManifestSlot.newest(checked.reversed())?.index == 1)
    }

    @Test func blankForeignAndFutureSlotsAreToldApart() throws {
        #expect(ManifestSlot.decode([UInt8](repeating: 0, count: 4096), capacity: Self.capacity) == .blank)
        #expect(ManifestSlot.decode(Array("an ext4 superblock, perhaps".utf8) + [UInt8](repeating: 7, count: 4000),
                                    capacity: Self.capacity) == .foreign)
        var future = try ManifestSlot.encode(Self.manifest(), generation: 1, capacity: Self.capacity)
        future[8] = 3
        guard case .damaged(let why) = ManifestSlot.decode(future, capacity: Self.capacity) else {
            Issue.record("a slot in format 3 was read")
            return
        }
        #expect(why.contains("format 3"))
        #expect(ManifestSlot.newest([ManifestSlot.Content.blank, .foreign, .damaged("x")]) == nil)
        #expect(ManifestSlot.check([UInt8](repeating: 0, count: 4096), capacity: Self.capacity) == .blank)
        #expect(ManifestSlot.check(future, capacity: Self.capacity) == .damaged(why))
    }

    @Test func aLengthPastTheSlotIsDamageNotACrash() throws {
        var bytes = try Self.legacySlot(Self.manifest(), generation: 1)
        bytes[12] = 0xFF; bytes[13] = 0xFF; bytes[14] = 0xFF
        guard case .damaged(let why) = ManifestSlot.decode(bytes, capacity: Self.capacity) else {
            Issue.record("an impossible length was accepted")
            return
        }
        #expect(why.contains("past the end"))
        #expect(ManifestSlot.span(firstBlock: bytes.prefix(4096), capacity: Self.capacity) == Self.capacity)
    }

    @Test func aManifestTooBigForItsSlotIsRefusedNamingThePool() {
        let error = #expect(throws: ManifestSlotWriter.TooLarge.self) {
            try ManifestSlot.encode(Self.manifest(snapshots: 50, name: "big"), generation: 1, capacity: 8192)
        }
        #expect(error?.description.contains("pool big") == true)
    }

    @Test func theChecksumIsCRC32C() {
        var crc = CRC32C()
        crc.combine(Array("123456789".utf8)[...])
        #expect(crc.value == 0xE306_9283)
    }

    /// The writer's check reads a slot a chunk at a time, the way ManifestDevice does (O_DIRECT, whole blocks).
    static func checkedInChunks(_ slot: [UInt8], chunk: Int = 8192, trustingHeader: Bool = false) -> ManifestSlot.Checked {
        let device = slot + [UInt8](repeating: 0, count: capacity - slot.count)
        return ManifestSlot.check(capacity: capacity, chunk: chunk, trustingHeader: trustingHeader) { (offset: Int, count: Int) -> [UInt8] in
            precondition(offset % 4096 == 0 && count % 4096 == 0 && count <= max(chunk, 4096), "\(offset) \(count)")
            return Array(device[offset..<offset + count])
        }
    }

    @Test func aCheckInChunksAgreesWithACheckOfTheWholeSlot() throws {
        var slots: [[UInt8]] = [[UInt8](repeating: 0, count: 4096), Array("not ours".utf8) + [UInt8](repeating: 1, count: 4088)]
        for snapshots in [0, 1, 30, 120] {
            slots.append(try ManifestSlot.encode(Self.manifest(snapshots: snapshots), generation: UInt64(snapshots), capacity: Self.capacity))
        }
        let large = slots.last!
        #expect(large.count > 3 * 8192, "a slot of several chunks")
        for offset in [9, 12, 16, 24, 31, 32, 4095, 4096, 8191, 8192, 8193, 12288, large.count - 4096] {
            var flipped = large
            flipped[offset] ^= 0x01
            slots.append(flipped)
        }
        for (index, slot) in slots.enumerated() {
            let whole = ManifestSlot.check(slot, capacity: Self.capacity)
            #expect(Self.checkedInChunks(slot) == whole, "slot \(index)")
            #expect(Self.checkedInChunks(slot, chunk: 4096) == whole, "slot \(index), one block at a time")
        }
        if case .intact(let generation, _) = Self.checkedInChunks(large) { #expect(generation == 120) } else { Issue.record("large") }
    }

    @Test func theWriterHoldsOneChunkOfJSONAndWritesTheHeaderLast() throws {
        let manifest = Self.manifest(snapshots: 3000)
        var writes: [(offset: Int, count: Int)] = []
        var flushes: [Int] = []
        var slot = [UInt8](repeating: 0, count: 4096)
        var writer = ManifestSlotWriter(pool: "p", capacity: 64 << 20) { bytes, offset in
            writes.append((offset, bytes.count))
            if slot.count < offset + bytes.count { slot += [UInt8](repeating: 0, count: offset + bytes.count - slot.count) }
            slot.replaceSubrange(offset..<offset + bytes.count, with: bytes)
        } flush: {
            flushes.append(writes.count)
        }
        let counts = try writer.write(manifest, generation: 2)
        #expect(counts.snapshots == 3000 && writes.count > 3, "\(writes.count) writes")
        #expect(writes.allSatisfy { $0.offset % 4096 == 0 && $0.count % 4096 == 0 })
        #expect(writes.dropLast().allSatisfy { $0.offset >= 4096 && $0.count <= ManifestSlotWriter.chunk + (64 << 10) })
        #expect(writes.last?.offset == 0 && writes.last?.count == 4096, "the header block, last")
        #expect(flushes == [writes.count - 1, writes.count], "a flush before the header and one after it")
        #expect(ManifestSlot.decode(slot, capacity: 64 << 20) == .manifest(generation: 2, manifest))
        #expect(slot == (try ManifestSlot.encode(manifest, generation: 2, capacity: 64 << 20)))
    }
}
