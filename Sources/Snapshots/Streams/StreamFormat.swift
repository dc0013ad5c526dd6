/// The send stream (docs/stream-format.md): a header, data and zero records
/// in increasing offset order, and a trailer whose SHA-256 covers every byte
/// before the digest. Integers are little-endian.
public enum StreamFormat {
    static let magic = Array("DMSNAPST".utf8)
    static let version: UInt32 = 1
    /// The most bytes one data record carries: what a receiver buffers.
    static let maximumDataLength: UInt32 = 1 << 20
    /// The longest ID or name the header holds.
    static let maximumTextLength = 255

    enum RecordKind: UInt8 {
        case data = 1
        case zero = 2
        case trailer = 0xFF
    }
}

/// What a stream's header says: which snapshot, of which disk, relative to which base.
public struct StreamHeader: Sendable, Equatable {
    public var snapshotId: String
    public var diskId: String
    public var diskName: String
    public var volumeSizeBytes: UInt64
    /// The snapshot the records change; nil for a full stream.
    public var baseSnapshotId: String?
}

/// What a trailer counts, and what a receiver counts to compare with it.
public struct StreamTally: Sendable, Equatable {
    public var dataRecords: UInt64 = 0
    public var zeroRecords: UInt64 = 0
    public var dataBytes: UInt64 = 0
    public var zeroBytes: UInt64 = 0
}

/// Little-endian encoding into a byte array.
struct StreamEncoder {
    var bytes: [UInt8] = []

    mutating func append<Integer: FixedWidthInteger>(_ value: Integer) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(text: String) {
        let utf8 = Array(text.utf8.prefix(StreamFormat.maximumTextLength))
        append(UInt16(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    static func header(_ header: StreamHeader) -> [UInt8] {
        var encoder = StreamEncoder(bytes: StreamFormat.magic)
        encoder.append(StreamFormat.version)
        encoder.append(header.volumeSizeBytes)
        for text in [header.snapshotId, header.diskId, header.diskName, header.baseSnapshotId ?? ""] {
            encoder.append(text: text)
        }
        return encoder.bytes
    }
}
