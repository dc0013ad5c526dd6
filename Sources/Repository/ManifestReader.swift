import Crypto
import Foundation

/// Reads a manifest as a stream: the header at once, then one entry per
/// `next()`. Everything read is checked against the layout and the file's own
/// checksum; `next()` returns nil only after the checksum matched, so a reader
/// that reaches the end has read a whole, undamaged manifest.
final class ManifestReader {
    let path: String
    let manifest: Manifest
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var position = 0
    private var fileOffset: UInt64 = 0
    private var checksum = SHA256()
    private var lastIndex: UInt64?
    private var finished = false
    private var count = 0

    /// Opens `path` and reads its header; `snapshotId` is the one its file name gives.
    init(path: String, snapshotId: String, repositoryId: String) throws {
        self.path = path
        do {
            fd = try SystemCalls.open(path, O_RDONLY)
        } catch let error as RepositoryError where error.kind == .missing {
            throw RepositoryError(.manifestNotFound(snapshotId: snapshotId), path: path,
                                  message: "the repository holds no copy of snapshot \(snapshotId)")
        }
        var readManifest: Manifest?
        func damaged(_ reason: String) -> RepositoryError { .damagedManifest(snapshotId, path: path, reason) }
        do {
            guard let line = try Self.nextLine(fd: fd, path: path, snapshotId: snapshotId, buffer: &buffer, position: &position, fileOffset: &fileOffset),
                  line.starts(with: ManifestLayout.headerPrefix), line.last == UInt8(ascii: ",")
            else { throw damaged("its first line is not a manifest header") }
            checksum.update(data: line)
            checksum.update(data: [0x0A])
            let json = line.dropFirst(ManifestLayout.headerPrefix.count).dropLast()
            guard let header = try? ManifestLayout.decoder().decode(Manifest.self, from: Data(json)) else {
                throw damaged("its header is not valid JSON with every field")
            }
            guard header.formatVersion == Manifest.formatVersion else {
                throw RepositoryError(.unknownFormat(version: header.formatVersion), path: path,
                                      message: "manifest format \(header.formatVersion) is not one this dmsnap reads (it reads \(Manifest.formatVersion))")
            }
            guard header.snapshotId == snapshotId else { throw damaged("it names snapshot \(header.snapshotId), not its file's") }
            guard header.repositoryId == repositoryId else { throw damaged("it belongs to repository \(header.repositoryId)") }
            guard header.chunkSize > 0, header.volumeSize > 0 else { throw damaged("its chunk size or volume size is zero") }
            guard let chunks = try Self.nextLine(fd: fd, path: path, snapshotId: snapshotId, buffer: &buffer, position: &position, fileOffset: &fileOffset),
                  chunks[...] == ManifestLayout.chunksLine.dropLast()[...]
            else { throw damaged("its chunk list does not start on the second line") }
            checksum.update(data: ManifestLayout.chunksLine)
            readManifest = header
        } catch {
            SystemCalls.close(fd)
            throw error
        }
        manifest = readManifest!
    }

    deinit { SystemCalls.close(fd) }

    /// The next non-zero chunk, or nil at the end of a manifest whose checksum held.
    func next() throws -> ManifestEntry? {
        guard !finished else { return nil }
        func damaged(_ reason: String) -> RepositoryError { .damagedManifest(manifest.snapshotId, path: path, reason) }
        guard let line = try readLine() else {
            throw damaged("it ends before its checksum")
        }
        if line.starts(with: ManifestLayout.checksumPrefix) {
            guard line.count == ManifestLayout.checksumPrefix.count + 64 + 2,
                  let stored = ChunkHash(hex: line.dropFirst(ManifestLayout.checksumPrefix.count).prefix(64)),
                  line.suffix(2) == [UInt8(ascii: "\""), UInt8(ascii: "}")][...]
            else { throw damaged("its checksum line is malformed") }
            guard stored == ChunkHash(checksum.finalize()) else { throw damaged("its SHA-256 does not match its content") }
            guard try readLine() == nil else {
                throw damaged("it has data after its checksum")
            }
            finished = true
            return nil
        }
        checksum.update(data: line)
        checksum.update(data: [0x0A])
        if line[...] == ManifestLayout.chunksEnd.dropLast()[...] { return try next() }
        let body = line.last == UInt8(ascii: ",") ? line.dropLast() : line[...]
        guard let entry = ManifestLayout.parseEntry(body) else { throw damaged("line \(count + 3) is not a chunk entry") }
        guard lastIndex.map({ $0 < entry.index }) ?? true else { throw damaged("chunk \(entry.index) is out of order") }
        guard entry.index < manifest.chunkCount else { throw damaged("chunk \(entry.index) lies beyond the volume's end") }
        lastIndex = entry.index
        count += 1
        return entry
    }

    /// Reads to the end (verifying everything) and returns the header with its count of non-zero chunks.
    func verify() throws -> Manifest {
        while try next() != nil {}
        var verified = manifest
        verified.nonZeroChunkCount = count
        return verified
    }

    private func readLine() throws -> [UInt8]? {
        try Self.nextLine(fd: fd, path: path, snapshotId: manifest.snapshotId, buffer: &buffer, position: &position, fileOffset: &fileOffset)
    }

    /// The next line without its newline, or nil at the end of the file.
    private static func nextLine(fd: Int32, path: String, snapshotId: String, buffer: inout [UInt8], position: inout Int,
                                 fileOffset: inout UInt64) throws -> [UInt8]? {
        while true {
            if let newline = buffer[position...].firstIndex(of: 0x0A) {
                let line = Array(buffer[position..<newline])
                position = newline + 1
                return line
            }
            guard buffer.count - position <= ManifestLayout.maximumLineLength else {
                throw RepositoryError.damagedManifest(snapshotId, path: path, "a line is longer than \(ManifestLayout.maximumLineLength) bytes")
            }
            buffer.removeFirst(position)
            position = 0
            var block = [UInt8](repeating: 0, count: 64 * 1024)
            let got = try block.withUnsafeMutableBytes { try SystemCalls.pread(fd, $0.baseAddress!, $0.count, at: fileOffset, path: path) }
            if got == 0 {
                guard buffer.isEmpty else {
                    throw RepositoryError.damagedManifest(snapshotId, path: path, "its last line has no newline")
                }
                return nil
            }
            fileOffset += UInt64(got)
            buffer += block[..<got]
        }
    }
}
