import Foundation

/// What a restore did.
public struct RestoreReport: Equatable, Sendable {
    public var manifest: Manifest
    public var chunksWritten = 0
    public var bytesWritten: UInt64 = 0
}

/// Writes a snapshot's copy to a target device or file: only its non-zero
/// chunks, each decompressed and checked against its SHA-256 before it is
/// written. The target must read as zeros where nothing is written, as a
/// fresh thin device or a new sparse file does. A missing or damaged chunk
/// stops the restore with an error naming the snapshot, the byte offset and
/// the chunk; the caller discards the half-written target.
public struct SnapshotRestorer {
    public let repository: DirectoryRepository

    public init(repository: DirectoryRepository) {
        self.repository = repository
    }

    /// - Parameter target: a block device at least the volume's size, or a
    ///   regular file (extended to the volume's size if shorter).
    public func restore(snapshotId: String, to target: String,
                        progress: (TransferProgress) throws -> Void = { _ in }) throws -> RestoreReport {
        // A first pass verifies the whole manifest before anything is written.
        let manifest = try repository.manifest(snapshotId: snapshotId)
        let reader = try repository.reader(snapshotId: snapshotId)
        let fd = try SystemCalls.open(target, O_WRONLY)
        defer { SystemCalls.close(fd) }
        let status = try SystemCalls.status(of: fd, path: target)
        let targetSize = try SystemCalls.size(fd, path: target)
        if status.st_mode & S_IFMT == S_IFREG {
            if targetSize < manifest.volumeSize { try SystemCalls.ftruncate(fd, manifest.volumeSize, path: target) }
        } else if targetSize < manifest.volumeSize {
            throw RepositoryError(.invalidArgument, path: target,
                                  message: "the target holds \(targetSize) bytes, fewer than snapshot \(snapshotId)'s \(manifest.volumeSize)")
        }
        let store = ChunkStore(directory: repository.chunksDirectory, temporaryDirectory: repository.temporaryDirectory,
                               chunkSize: manifest.chunkSize)
        let buffer = ChunkBuffer(capacity: manifest.chunkSize)
        var report = RestoreReport(manifest: manifest)
        var meter = ProgressMeter(total: UInt64(manifest.nonZeroChunkCount) * UInt64(manifest.chunkSize))
        try progress(meter.progress)
        while let entry = try reader.next() {
            let offset = entry.index * UInt64(manifest.chunkSize)
            let expected = manifest.length(ofChunk: entry.index)
            switch try store.read(entry.hash, into: buffer) {
            case .failure(.missing):
                throw RepositoryError(.chunkMissing(snapshotId: snapshotId, offset: offset, chunk: entry.hash.hex),
                                      path: store.path(entry.hash),
                                      message: "cannot restore snapshot \(snapshotId): the chunk at byte offset \(offset), \(entry.hash.hex), is missing from the repository")
            case .failure(.damaged(let reason)):
                throw RepositoryError(.chunkDamaged(snapshotId: snapshotId, offset: offset, chunk: entry.hash.hex),
                                      path: store.path(entry.hash),
                                      message: "cannot restore snapshot \(snapshotId): the chunk at byte offset \(offset), \(entry.hash.hex), is damaged: \(reason)")
            case .success(let length) where length != expected:
                throw RepositoryError(.chunkDamaged(snapshotId: snapshotId, offset: offset, chunk: entry.hash.hex),
                                      path: store.path(entry.hash),
                                      message: "cannot restore snapshot \(snapshotId): the chunk at byte offset \(offset), \(entry.hash.hex), holds \(length) bytes where the volume needs \(expected)")
            case .success(let length):
                try SystemCalls.pwrite(fd, buffer.pointer, length, at: offset, path: target)
                report.chunksWritten += 1
                report.bytesWritten += UInt64(length)
                meter.advance(by: manifest.chunkSize)
                try progress(meter.progress)
            }
        }
        try SystemCalls.fsync(fd, path: target)
        return report
    }
}
