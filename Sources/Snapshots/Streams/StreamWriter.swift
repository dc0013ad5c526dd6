import Crypto
import Foundation

/// Writes a send stream to a file descriptor as it goes, hashing every byte:
/// nothing is held but the record being written.
final class StreamWriter {
    private let descriptor: Int32
    private var hasher = SHA256()
    private(set) var tally = StreamTally()

    init(descriptor: Int32, header: StreamHeader) throws {
        self.descriptor = descriptor
        try emit(StreamEncoder.header(header))
    }

    func data(offset: UInt64, _ bytes: UnsafeRawBufferPointer) throws {
        var encoder = StreamEncoder(bytes: [StreamFormat.RecordKind.data.rawValue])
        encoder.append(offset)
        encoder.append(UInt32(bytes.count))
        try emit(encoder.bytes)
        try emit(bytes)
        tally.dataRecords += 1
        tally.dataBytes += UInt64(bytes.count)
    }

    func zero(offset: UInt64, length: UInt64) throws {
        var encoder = StreamEncoder(bytes: [StreamFormat.RecordKind.zero.rawValue])
        encoder.append(offset)
        encoder.append(length)
        try emit(encoder.bytes)
        tally.zeroRecords += 1
        tally.zeroBytes += length
    }

    /// The counts, then the SHA-256 of everything before it (counts included).
    func finish() throws {
        var encoder = StreamEncoder(bytes: [StreamFormat.RecordKind.trailer.rawValue])
        for count in [tally.dataRecords, tally.zeroRecords, tally.dataBytes, tally.zeroBytes] { encoder.append(count) }
        try emit(encoder.bytes)
        let digest = Array(hasher.finalize())
        try digest.withUnsafeBytes { try Self.writeAll(descriptor, $0) }
    }

    private func emit(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try emit($0) }
    }

    private func emit(_ bytes: UnsafeRawBufferPointer) throws {
        hasher.update(bufferPointer: bytes)
        try Self.writeAll(descriptor, bytes)
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                throw SnapshotsError(.internalError, "cannot write the stream: \(String(cString: strerror(errno)))")
            }
            done += written
        }
    }
}
