import Foundation

/// What `prune` removed.
public struct PruneReport: Equatable, Sendable {
    public var chunksRemoved = 0
    /// Compressed bytes, as the chunk files took them on disk.
    public var bytesFreed: UInt64 = 0
    public var chunksKept = 0
    /// Files left in `tmp/` by writers that died.
    public var temporaryFilesRemoved = 0
}

extension DirectoryRepository {
    /// Chunks per pass of prune's set of referenced chunks: about 12 MiB of
    /// memory whatever the repository's size; a larger repository takes more passes.
    static let pruneEntriesPerPass = 256 * 1024

    /// Removes exactly the chunks no manifest references, and stale temporary
    /// files. Holds the writer lock, so no copy can be storing (or counting on)
    /// a chunk meanwhile. Refuses, changing nothing, when any manifest is
    /// damaged: the chunks it names may be all that is left of that snapshot.
    public func prune() throws -> PruneReport { try prune(entriesPerPass: Self.pruneEntriesPerPass) }

    func prune(entriesPerPass: Int) throws -> PruneReport {
        let lock = try lockForWriting()
        defer { lock.release() }
        // Verify every manifest before anything is removed.
        let ids = try snapshotIds()
        let entries = try ids.reduce(0) { $0 + (try manifest(snapshotId: $1).nonZeroChunkCount) }
        var report = PruneReport()
        // Every writer holds the lock, so whatever is in tmp/ now is a dead writer's.
        for name in try SystemCalls.directoryEntries(temporaryDirectory) {
            try SystemCalls.unlink("\(temporaryDirectory)/\(name)")
            report.temporaryFilesRemoved += 1
        }
        // Each pass covers a range of first bytes (chunk directories).
        let passes = min(256, max(1, (entries + entriesPerPass - 1) / entriesPerPass))
        let store = ChunkStore(directory: chunksDirectory, temporaryDirectory: temporaryDirectory, chunkSize: chunkSize)
        for pass in 0..<passes {
            let bytes = (pass * 256 / passes)..<((pass + 1) * 256 / passes)
            var referenced = Set<ChunkHash>()
            for snapshotId in ids {
                let reader = try reader(snapshotId: snapshotId)
                while let entry = try reader.next() {
                    if bytes.contains(Int(entry.hash.firstByte)) { referenced.insert(entry.hash) }
                }
            }
            for firstByte in bytes {
                var removedHere = false
                for (hash, name) in try store.chunks(inDirectoryOf: UInt8(firstByte)) {
                    if referenced.contains(hash) {
                        report.chunksKept += 1
                        continue
                    }
                    let path = "\(store.subdirectory(UInt8(firstByte)))/\(name)"
                    report.bytesFreed += UInt64(try SystemCalls.status(path)?.st_size ?? 0)
                    try SystemCalls.unlink(path)
                    report.chunksRemoved += 1
                    removedHere = true
                }
                if removedHere { try SystemCalls.fsyncDirectory(store.subdirectory(UInt8(firstByte))) }
            }
        }
        return report
    }
}
