import Crypto
import Foundation

/// Reads a send stream from a file descriptor one record at a time, hashing
/// every byte and refusing anything out of place: a record out of order, past
/// the volume, not whole sectors, a trailer whose counts or digest differ, or
/// bytes after it. Holds at most one data record.
final class StreamReader {
    enum Record {
        /// `bytes` is valid until the next call of `next()`.
        case data(offset: UInt64, bytes: UnsafeRawBufferPointer)
        case zero(offset: UInt64, length: UInt64)
        /// The trailer checked out: counts and digest.
        case end(StreamTally)
    }

    private let descriptor: Int32
    private var hasher = SHA256()
    private var tally = StreamTally()
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(StreamFormat.maximumDataLength), alignment: 4096)
    /// Where the next record may start: records are sorted and do not overlap.
    private var nextOffset: UInt64 = 0
    private(set) var header = StreamHeader(snapshotId: "", diskId: "", diskName: "", volumeSizeBytes: 0)

    init(descriptor: Int32) throws {
        self.descriptor = descriptor
        let magic = try bytes(StreamFormat.magic.count, "the header")
        guard magic == StreamFormat.magic else {
            throw Self.refused("it does not start with a dmsnap stream header (dmsnap snapshot send writes one)")
        }
        let version: UInt32 = try integer("the header")
        guard version == StreamFormat.version else {
            throw Self.refused("it has format version \(version); this dmsnap reads version \(StreamFormat.version)")
        }
        header.volumeSizeBytes = try integer("the header")
        header.snapshotId = try text()
        header.diskId = try text()
        header.diskName = try text()
        let base = try text()
        header.baseSnapshotId = base.isEmpty ? nil : base
        guard header.volumeSizeBytes > 0, header.volumeSizeBytes % 512 == 0 else {
            throw Self.refused("its volume size \(header.volumeSizeBytes) is not a positive whole number of sectors")
        }
    }

    deinit { buffer.deallocate() }

    func next() throws -> Record {
        let kindByte: UInt8 = try integer("a record")
        guard let kind = StreamFormat.RecordKind(rawValue: kindByte) else {
            throw Self.refused("a record has the unknown kind \(kindByte) after \(tally.dataRecords + tally.zeroRecords) records")
        }
        switch kind {
        case .data:
            let offset: UInt64 = try integer("a data record")
            let length: UInt32 = try integer("a data record")
            guard length <= StreamFormat.maximumDataLength else {
                throw Self.refused("the data record at offset \(offset) claims \(length) bytes, more than \(StreamFormat.maximumDataLength)")
            }
            try requirePlace(offset: offset, length: UInt64(length), kind: "data")
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<Int(length)])
            try fill(UnsafeMutableRawBufferPointer(mutating: bytes), "the data record at offset \(offset)")
            tally.dataRecords += 1
            tally.dataBytes += UInt64(length)
            return .data(offset: offset, bytes: bytes)
        case .zero:
            let offset: UInt64 = try integer("a zero record")
            let length: UInt64 = try integer("a zero record")
            try requirePlace(offset: offset, length: length, kind: "zero")
            tally.zeroRecords += 1
            tally.zeroBytes += length
            return .zero(offset: offset, length: length)
        case .trailer:
            var claimed = StreamTally()
            claimed.dataRecords = try integer("the trailer")
            claimed.zeroRecords = try integer("the trailer")
            claimed.dataBytes = try integer("the trailer")
            claimed.zeroBytes = try integer("the trailer")
            let computed = Array(hasher.finalize())
            var digest = [UInt8](repeating: 0, count: computed.count)
            try digest.withUnsafeMutableBytes { try fill($0, "the trailer's digest", hashing: false) }
            guard claimed == tally else {
                throw Self.refused("its trailer counts \(claimed) but the stream holds \(tally)")
            }
            guard digest == computed else {
                throw Self.refused("its SHA-256 digest does not match its content (altered in transit?)")
            }
            var extra: UInt8 = 0
            guard read(descriptor, &extra, 1) == 0 else { throw Self.refused("bytes follow its trailer") }
            return .end(tally)
        }
    }

    private func requirePlace(offset: UInt64, length: UInt64, kind: String) throws {
        guard length > 0, offset % 512 == 0, length % 512 == 0, offset >= nextOffset,
              !offset.addingReportingOverflow(length).overflow, offset + length <= header.volumeSizeBytes else {
            throw Self.refused("""
                its \(kind) record \(offset)+\(length) is empty, not whole sectors, out of order (the last ended at \
                \(nextOffset)) or past the volume's \(header.volumeSizeBytes) bytes
                """)
        }
        nextOffset = offset + length
    }

    private func integer<Integer: FixedWidthInteger>(_ what: String) throws -> Integer {
        var value = Integer.zero
        try withUnsafeMutableBytes(of: &value) { try fill($0, what) }
        return Integer(littleEndian: value)
    }

    private func bytes(_ count: Int, _ what: String) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        try result.withUnsafeMutableBytes { try fill($0, what) }
        return result
    }

    private func text() throws -> String {
        let length: UInt16 = try integer("the header")
        guard length <= StreamFormat.maximumTextLength else { throw Self.refused("a header field claims \(length) bytes") }
        guard let text = String(validating: try bytes(Int(length), "the header"), as: UTF8.self) else {
            throw Self.refused("a header field is not UTF-8")
        }
        return text
    }

    /// Reads exactly `target.count` bytes; end of input before is a truncated stream.
    private func fill(_ target: UnsafeMutableRawBufferPointer, _ what: String, hashing: Bool = true) throws {
        var done = 0
        while done < target.count {
            let got = read(descriptor, target.baseAddress! + done, target.count - done)
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw SnapshotsError(.invalidStream, "cannot read the stream: \(String(cString: strerror(errno)))") }
            guard got > 0 else { throw Self.refused("it ends inside \(what) (truncated)") }
            done += got
        }
        if hashing { hasher.update(bufferPointer: UnsafeRawBufferPointer(target)) }
    }

    static func refused(_ why: String) -> SnapshotsError {
        SnapshotsError(.invalidStream, "the stream is refused: \(why)")
    }
}
