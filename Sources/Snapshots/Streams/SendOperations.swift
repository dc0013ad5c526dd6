import Foundation

extension SnapshotService {
    /// Writes snapshot `snapshotId` as a send stream to `descriptor`: every
    /// mapped range, or with `baseSnapshotId` (an earlier snapshot of the same
    /// disk, here) only the ranges changed since it. Pieces that read as zeros
    /// (unmapped since the base, or written with zeros) go as zero records.
    /// Memory holds one piece (1 MiB) whatever the disk's size.
    @discardableResult
    public func sendSnapshot(_ snapshotId: String, from baseSnapshotId: String?, to descriptor: Int32) throws -> StreamTally {
        let snapshot = try snapshot(snapshotId)
        if let baseSnapshotId, try self.snapshot(baseSnapshotId).sourceDiskSizeBytes != snapshot.sourceDiskSizeBytes {
            throw SnapshotsError(.invalidParameter, """
                snapshot \(baseSnapshotId) cannot be the base of snapshot \(snapshotId): the disk was resized between them
                """)
        }
        let map = try blockMap(of: snapshotId, base: baseSnapshotId)
        let header = StreamHeader(snapshotId: snapshot.id, diskId: snapshot.diskId,
                                  diskName: (try? disk(snapshot.diskId).name) ?? "",
                                  volumeSizeBytes: snapshot.sourceDiskSizeBytes, baseSnapshotId: baseSnapshotId)
        let exposedBefore = try snapshot.backend == .native && deviceMapper.info(KernelNames.volume(snapshot.id)) != nil
        let device = try exposeSnapshot(snapshotId)
        defer { if !exposedBefore { try? hideSnapshot(snapshotId) } }
        let source = open(device, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else {
            throw SnapshotsError(.kernel, "cannot open snapshot \(snapshotId)'s device \(device): \(String(cString: strerror(errno)))")
        }
        defer { close(source) }
        let writer = try StreamWriter(descriptor: descriptor, header: header)
        let piece = Int(StreamFormat.maximumDataLength)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: piece, alignment: 4096)
        defer { buffer.deallocate() }
        for range in map.ranges {
            var offset = range.offset
            while offset < range.end {
                let length = Int(min(UInt64(piece), range.end - offset))
                try Self.readFully(source, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<length]), at: offset, device: device)
                try Self.send(UnsafeRawBufferPointer(rebasing: buffer[0..<length]), at: offset, to: writer)
                offset += UInt64(length)
            }
        }
        try writer.finish()
        return writer.tally
    }

    /// The granule of zero detection: a run of zero blocks this size or more is a zero record.
    static let zeroBlock = 64 << 10

    /// One piece as data records, with its all-zero blocks as zero records.
    private static func send(_ piece: UnsafeRawBufferPointer, at offset: UInt64, to writer: StreamWriter) throws {
        var start = 0
        var startIsZero: Bool?
        var position = 0
        func flush(upTo end: Int) throws {
            guard end > start, let zero = startIsZero else { return }
            if zero {
                try writer.zero(offset: offset + UInt64(start), length: UInt64(end - start))
            } else {
                try writer.data(offset: offset + UInt64(start), UnsafeRawBufferPointer(rebasing: piece[start..<end]))
            }
        }
        while position < piece.count {
            let end = min(position + zeroBlock, piece.count)
            let zero = isZero(UnsafeRawBufferPointer(rebasing: piece[position..<end]))
            if zero != startIsZero {
                try flush(upTo: position)
                start = position
                startIsZero = zero
            }
            position = end
        }
        try flush(upTo: piece.count)
    }

    /// A block of zeros to compare with: memcmp is many times faster than a Swift loop in a debug build.
    private static let zeros = [UInt8](repeating: 0, count: zeroBlock)

    private static func isZero(_ bytes: UnsafeRawBufferPointer) -> Bool {
        zeros.withUnsafeBytes { memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }
    }

    static func readFully(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, device: String) throws {
        var done = 0
        while done < buffer.count {
            let got = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                throw SnapshotsError(.kernel, "cannot read \(device) at byte \(offset + UInt64(done)): "
                                     + (got == 0 ? "it ends there" : String(cString: strerror(errno))))
            }
            done += got
        }
    }
}
