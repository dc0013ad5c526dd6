import Foundation

/// A file written under a temporary name in the repository's `tmp/` and
/// renamed into place only when complete and durable: write, fsync the file,
/// rename, fsync the directory. `tmp/` is on the same filesystem, so the
/// rename is atomic and no half file is ever visible under its real name.
final class TemporaryFile {
    let path: String
    private var fd: Int32
    private(set) var size: UInt64 = 0

    init(in temporaryDirectory: String, purpose: String) throws {
        // Unique across hosts sharing the repository, processes and threads.
        let host = SystemCalls.hostName().filter { $0.isLetter || $0.isNumber || $0 == "-" }
        path = "\(temporaryDirectory)/\(purpose).\(host).\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
        fd = try SystemCalls.open(path, O_WRONLY | O_CREAT | O_EXCL)
    }

    deinit { discard() }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        try SystemCalls.pwrite(fd, base, bytes.count, at: size, path: path)
        size += UInt64(bytes.count)
    }

    func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try append($0) }
    }

    /// Makes the file durable and gives it its real name. With `synced` the
    /// caller has made its content durable already (the chunk store flushes a
    /// batch of chunk files with one syncfs). With `syncDirectory` false the
    /// caller syncs the directory later (the chunk store syncs each chunk
    /// directory once, before the manifest that needs them is committed).
    func commit(as finalPath: String, synced: Bool = false, syncDirectory: Bool = true) throws {
        if !synced { try SystemCalls.fsync(fd, path: path) }
        SystemCalls.close(fd)
        fd = -1
        do {
            try SystemCalls.rename(path, finalPath)
        } catch {
            try? SystemCalls.unlink(path)
            throw error
        }
        if syncDirectory { try SystemCalls.fsyncDirectory((finalPath as NSString).deletingLastPathComponent) }
    }

    /// The open descriptor, for a syncfs of its filesystem.
    var descriptor: Int32 { fd }

    /// Removes the unfinished file (also what an error or a thrown progress callback leads to).
    func discard() {
        guard fd >= 0 else { return }
        SystemCalls.close(fd)
        fd = -1
        try? SystemCalls.unlink(path)
    }

    /// Writes `bytes` to `finalPath` atomically.
    static func write(_ bytes: [UInt8], to finalPath: String, temporaryDirectory: String) throws {
        let file = try TemporaryFile(in: temporaryDirectory, purpose: (finalPath as NSString).lastPathComponent)
        try file.append(bytes)
        try file.commit(as: finalPath)
    }
}
