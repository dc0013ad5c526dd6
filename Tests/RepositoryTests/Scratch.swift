import Crypto
import Foundation
@testable import Repository
import TestSupport

/// A temporary directory with the files a test makes: sparse volumes written
/// at known places with seeded random bytes, and what to compare them by.
final class Scratch {
    let path: String

    init() throws {
        var template = Array("/tmp/dmsnap-repository-test.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw RepositoryError(.io, path: "/tmp", message: "mkdtemp failed") }
        path = String(decoding: UnsafeRawBufferPointer(start: made, count: strlen(made)), as: UTF8.self)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A sparse file of `size` bytes, zero everywhere.
    func volume(_ name: String, size: UInt64) throws -> String {
        let file = "\(path)/\(name)"
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0)
        defer { close(fd) }
        precondition(ftruncate(fd, off_t(size)) == 0)
        return file
    }

    /// Writes `length` seeded random bytes at `offset` (incompressible, so stored size follows the change).
    static func write(_ file: String, at offset: UInt64, length: Int, seed: UInt64) {
        var random = SplitMix64(state: seed)
        let fd = open(file, O_WRONLY)
        precondition(fd >= 0)
        defer { close(fd) }
        // A megabyte at a time, so that the memory test measures the copier, not this.
        var bytes = [UInt64](repeating: 0, count: 1 << 17)
        var done = 0
        while done < length {
            for index in bytes.indices { bytes[index] = random.next() }
            let piece = min(length - done, bytes.count * 8)
            bytes.withUnsafeBytes { raw in precondition(pwrite(fd, raw.baseAddress, piece, off_t(offset) + off_t(done)) == piece) }
            done += piece
        }
    }

    /// The SHA-256 of a file's first `size` bytes (a restored file must match the volume exactly).
    static func digest(_ file: String, size: UInt64) -> String {
        let fd = open(file, O_RDONLY)
        precondition(fd >= 0)
        defer { close(fd) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: UInt64 = 0
        while offset < size {
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Int(min(UInt64($0.count), size - offset)), off_t(offset)) }
            precondition(got > 0)
            hasher.update(data: buffer[..<got])
            offset += UInt64(got)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    static func fileSize(_ file: String) -> UInt64 {
        (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? UInt64) ?? 0
    }

    /// Every chunk file in a repository, by name, with its size.
    static func chunkFiles(_ repository: DirectoryRepository) -> [String: UInt64] {
        var files: [String: UInt64] = [:]
        let chunks = "\(repository.path)/chunks"
        for directory in (try? FileManager.default.contentsOfDirectory(atPath: chunks)) ?? [] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "\(chunks)/\(directory)")) ?? [] {
                files[name] = fileSize("\(chunks)/\(directory)/\(name)")
            }
        }
        return files
    }

    /// The chunk names a manifest lists, read through the repository's own verified stream.
    static func chunkNames(_ repository: DirectoryRepository, _ snapshotId: String) throws -> Set<String> {
        let reader = try repository.reader(snapshotId: snapshotId)
        var names: Set<String> = []
        while let entry = try reader.next() { names.insert(entry.hash.hex) }
        return names
    }

    static func snapshot(_ id: String) -> SnapshotIdentity {
        SnapshotIdentity(snapshotId: id, diskId: "d-testdisk0000000000001", diskName: "web")
    }
}
