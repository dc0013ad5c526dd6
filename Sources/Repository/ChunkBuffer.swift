import Foundation

/// One chunk's worth of memory, aligned for O_DIRECT reads (4 KiB covers
/// every logical block size Linux devices use). Allocated once per copy or
/// restore and reused for every chunk: memory follows the chunk size, never
/// the disk size.
final class ChunkBuffer {
    static let alignment = 4096
    let capacity: Int
    let pointer: UnsafeMutableRawPointer

    init(capacity: Int) {
        var memory: UnsafeMutableRawPointer?
        guard posix_memalign(&memory, Self.alignment, capacity) == 0, let memory else {
            fatalError("out of memory allocating a \(capacity)-byte chunk buffer")
        }
        self.capacity = capacity
        pointer = memory
    }

    deinit { free(pointer) }

    func bytes(_ count: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: pointer, count: count) }
}

/// Compares against a zeroed buffer with memcmp: fast in a debug build too,
/// where a Swift loop over a megabyte is not.
final class ZeroDetector {
    private let zeros: UnsafeMutableRawPointer
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        zeros = calloc(capacity, 1)!
    }

    deinit { free(zeros) }

    func isZero(_ bytes: UnsafeRawBufferPointer) -> Bool {
        precondition(bytes.count <= capacity)
        guard let base = bytes.baseAddress else { return true }
        return memcmp(base, zeros, bytes.count) == 0
    }
}
