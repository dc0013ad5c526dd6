import Foundation

/// The device or file a copy reads, with O_DIRECT where the source allows it,
/// so that a full copy of a large disk neither fills the page cache nor evicts
/// the host's working set. A source that refuses O_DIRECT (tmpfs, some
/// network filesystems, a misaligned size) is read through the page cache.
final class BlockSource {
    let path: String
    let size: UInt64
    private var fd: Int32
    private(set) var direct: Bool

    init(path: String, size: UInt64) throws {
        self.path = path
        self.size = size
        if let fd = try? SystemCalls.open(path, O_RDONLY | SystemCalls.directIO) {
            self.fd = fd
            direct = true
        } else {
            fd = try SystemCalls.open(path, O_RDONLY)
            direct = false
        }
    }

    deinit { SystemCalls.close(fd) }

    /// Reads `length` bytes at `offset` (a multiple of the chunk size) into `buffer`.
    func read(at offset: UInt64, length: Int, into buffer: ChunkBuffer) throws {
        // O_DIRECT wants whole blocks: round up; the read stops at the end of the source.
        let alignment = ChunkBuffer.alignment
        let request = direct ? min(buffer.capacity, (length + alignment - 1) / alignment * alignment) : length
        let got: Int
        do {
            got = try SystemCalls.pread(fd, buffer.pointer, request, at: offset, path: path)
        } catch let error as RepositoryError where direct && error.errno == EINVAL {
            let buffered = try SystemCalls.open(path, O_RDONLY)
            SystemCalls.close(fd)
            fd = buffered
            direct = false
            return try read(at: offset, length: length, into: buffer)
        }
        guard got >= length else {
            throw RepositoryError(.sourceTooShort, path: path,
                                  message: "the source ends at byte \(offset + UInt64(got)), before the \(size) bytes the copy was asked for")
        }
    }
}
