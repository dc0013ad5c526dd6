import Foundation

/// The repository's one writer lock: an open-file-description (OFD) fcntl lock
/// on `locks/writer.lock`. Copies, manifest deletion and prune hold it;
/// restore and check read without it (every file they read is complete, or
/// absent, because of atomic renames).
///
/// An fcntl lock rather than flock(2) because NFSv4 carries fcntl locks to the
/// server (a second host sees it) and releases them when the holder's lease
/// ends (a dead host does not hold the repository forever). The OFD flavour
/// because a classic POSIX lock belongs to the process: a second open in the
/// same process would get it too, and closing any descriptor of the file
/// would drop it. The file's content names the holder, so that a refused
/// writer can say who holds it; it is advisory text, the lock is the truth.
public final class RepositoryWriterLock {
    /// F_OFD_SETLK from <fcntl.h> (Linux 3.15), which Swift's Glibc module does not export.
    static let setOpenFileDescriptionLock: Int32 = 37

    public let path: String
    private var fd: Int32

    init(path: String) throws {
        self.path = path
        fd = try SystemCalls.open(path, O_RDWR | O_CREAT)
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        if fcntl(fd, Self.setOpenFileDescriptionLock, &lock) != 0 {
            let code = errno
            let holder = Self.holder(fd: fd)
            SystemCalls.close(fd)
            if code == EAGAIN || code == EACCES {
                throw RepositoryError(.locked(holder: holder), path: path,
                                      message: "another writer holds the repository: \(holder); try again when it has finished")
            }
            throw RepositoryError.system("lock", path: path, errno: code)
        }
        do {
            let text = Array("host \(SystemCalls.hostName()) pid \(getpid()) since \(ISO8601DateFormatter().string(from: Date()))\n".utf8)
            try SystemCalls.ftruncate(fd, 0, path: path)
            try SystemCalls.pwrite(fd, text, text.count, at: 0, path: path)
            try SystemCalls.fsync(fd, path: path)
        } catch {
            release()
            throw error
        }
    }

    deinit { release() }

    /// Closing the descriptor releases the lock; the holder's text stays, stale and harmless.
    public func release() {
        guard fd >= 0 else { return }
        SystemCalls.close(fd)
        fd = -1
    }

    private static func holder(fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = (try? SystemCalls.pread(fd, &buffer, buffer.count, at: 0, path: "")) ?? 0
        let text = String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "a writer that has not yet written its name" : text
    }
}
