import Foundation

/// A block device opened with O_DIRECT, read and written in whole 4 KiB blocks
/// through aligned buffers: the page cache is bypassed, so what `sync`
/// returns after is on the device, not in memory that a crash would lose.
struct DirectFile {
    static let alignment = 4096
    /// Glibc defines O_DIRECT only under _GNU_SOURCE, which Swift does not import.
    #if arch(x86_64) || arch(i386)
    static let oDirect: Int32 = 0o40000
    #else
    static let oDirect: Int32 = 0o200000
    #endif

    let path: String
    private let descriptor: Int32

    /// Opens `path`; throws the errno (ENOENT for a device not there) with the path.
    init(path: String, writable: Bool) throws(DirectFileError) {
        let descriptor = open(path, (writable ? O_RDWR : O_RDONLY) | Self.oDirect | O_CLOEXEC)
        guard descriptor >= 0 else { throw DirectFileError(path: path, operation: "open", errno: errno) }
        self.path = path
        self.descriptor = descriptor
    }

    func close() { _ = Foundation.close(descriptor) }

    /// `count` bytes at `offset`; both multiples of 4 KiB.
    func read(count: Int, at offset: Int) throws(DirectFileError) -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: Self.alignment)
        defer { buffer.deallocate() }
        let done = pread(descriptor, buffer.baseAddress, count, off_t(offset))
        guard done == count else { throw DirectFileError(path: path, operation: "read", errno: done < 0 ? errno : EIO) }
        return [UInt8](buffer)
    }

    /// Writes `bytes` (a multiple of 4 KiB long) at `offset`.
    func write(_ bytes: [UInt8], at offset: Int) throws(DirectFileError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: Self.alignment)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        let done = pwrite(descriptor, buffer.baseAddress, bytes.count, off_t(offset))
        guard done == bytes.count else { throw DirectFileError(path: path, operation: "write", errno: done < 0 ? errno : EIO) }
    }

    /// O_DIRECT skips the page cache but not the device's own cache, nor (on
    /// a thin device) the pool's mapping of a newly provisioned block: fsync
    /// flushes both.
    func sync() throws(DirectFileError) {
        guard fsync(descriptor) == 0 else { throw DirectFileError(path: path, operation: "fsync", errno: errno) }
    }
}

struct DirectFileError: Error, CustomStringConvertible {
    let path: String
    let operation: String
    let errno: Int32

    var description: String { "\(operation) of \(path) failed: \(String(cString: strerror(errno)))" }
}
