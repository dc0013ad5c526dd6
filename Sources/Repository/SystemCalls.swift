import Foundation

/// Every system call of the Repository layer goes through here, so that each
/// failure becomes a `RepositoryError` naming the path, once, and EINTR is
/// retried in one place.
enum SystemCalls {
    /// O_DIRECT, which Swift's Glibc module exports only under _GNU_SOURCE.
    #if arch(x86_64) || arch(i386)
    static let directIO: Int32 = 0o40000
    #else
    static let directIO: Int32 = 0o200000 // arm64, as in asm-generic/fcntl.h's arm variant
    #endif

    static func retrying<T: BinaryInteger>(_ call: () -> T) -> T {
        while true {
            let result = call()
            if result >= 0 || errno != EINTR { return result }
        }
    }

    /// The corresponding C function is `open`.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> Int32 {
        let fd = retrying { Glibc.open(path, flags | O_CLOEXEC, mode) }
        guard fd >= 0 else { throw RepositoryError.system("open", path: path, errno: errno) }
        return fd
    }

    static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// Reads up to `count` bytes at `offset`, fewer only at the end of the file.
    static func pread(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, at offset: UInt64, path: String) throws -> Int {
        var done = 0
        while done < count {
            let got = retrying { Glibc.pread(fd, buffer + done, count - done, off_t(offset) + off_t(done)) }
            guard got >= 0 else { throw RepositoryError.system("read", path: path, errno: errno) }
            if got == 0 { break }
            done += got
        }
        return done
    }

    static func pwrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int, at offset: UInt64, path: String) throws {
        var done = 0
        while done < count {
            let wrote = retrying { Glibc.pwrite(fd, buffer + done, count - done, off_t(offset) + off_t(done)) }
            guard wrote > 0 else { throw RepositoryError.system("write", path: path, errno: wrote < 0 ? errno : ENOSPC) }
            done += wrote
        }
    }

    static func fsync(_ fd: Int32, path: String) throws {
        guard retrying({ Glibc.fsync(fd) }) == 0 else { throw RepositoryError.system("fsync", path: path, errno: errno) }
    }

    /// Flushes every file of the filesystem holding `fd` in one go: one journal
    /// commit (one device flush) for a batch of chunk files rather than one
    /// each. The corresponding C function is `syncfs`.
    static func syncFilesystem(_ fd: Int32, path: String) throws {
        guard retrying({ c_syncfs(fd) }) == 0 else { throw RepositoryError.system("syncfs", path: path, errno: errno) }
    }

    /// Makes a directory's entries (a rename, an unlink) durable.
    static func fsyncDirectory(_ path: String) throws {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try fsync(fd, path: path)
    }

    static func rename(_ from: String, _ to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw RepositoryError.system("rename to \(to)", path: from, errno: errno) }
    }

    /// Removes a file; one already gone is not an error.
    static func unlink(_ path: String) throws {
        guard Glibc.unlink(path) == 0 || errno == ENOENT else { throw RepositoryError.system("unlink", path: path, errno: errno) }
    }

    /// Creates a directory; one that exists already is not an error.
    static func mkdir(_ path: String) throws {
        guard Glibc.mkdir(path, 0o755) == 0 || errno == EEXIST else { throw RepositoryError.system("mkdir", path: path, errno: errno) }
    }

    /// The file's status, or nil when it does not exist.
    static func status(_ path: String) throws -> stat? {
        var status = stat()
        if stat(path, &status) == 0 { return status }
        if errno == ENOENT { return nil }
        throw RepositoryError.system("stat", path: path, errno: errno)
    }

    static func status(of fd: Int32, path: String) throws -> stat {
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw RepositoryError.system("stat", path: path, errno: errno) }
        return status
    }

    static func ftruncate(_ fd: Int32, _ size: UInt64, path: String) throws {
        guard retrying({ Glibc.ftruncate(fd, off_t(size)) }) == 0 else {
            throw RepositoryError.system("truncate", path: path, errno: errno)
        }
    }

    /// The size of a file or block device (lseek to the end works for both).
    static func size(_ fd: Int32, path: String) throws -> UInt64 {
        let end = Glibc.lseek(fd, 0, SEEK_END)
        guard end >= 0 else { throw RepositoryError.system("lseek", path: path, errno: errno) }
        return UInt64(end)
    }

    /// The names in a directory, without `.` and `..`; empty when it does not exist.
    static func directoryEntries(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else {
            if errno == ENOENT { return [] }
            throw RepositoryError.system("opendir", path: path, errno: errno)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func hostName() -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        guard buffer.withUnsafeMutableBufferPointer({ gethostname($0.baseAddress!, 255) }) == 0 else { return "unknown-host" }
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// syncfs(2) is declared only under _GNU_SOURCE, which Swift's Glibc module is not built with.
@_silgen_name("syncfs") private func c_syncfs(_ fd: Int32) -> Int32
