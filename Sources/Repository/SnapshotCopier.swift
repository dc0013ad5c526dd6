import Foundation

/// What a copy did, for the caller's log and for tests of its cost.
public struct CopyReport: Equatable, Sendable {
    public var manifest: Manifest
    public var chunksRead = 0
    public var zeroChunks = 0
    /// Chunks newly stored by this copy.
    public var chunksWritten = 0
    /// Chunks read whose content the repository already held (a resumed copy, or the same data elsewhere).
    public var chunksAlreadyStored = 0
    /// Entries taken from the base manifest for chunks outside the ranges read.
    public var chunksCarried = 0
    public var bytesRead: UInt64 = 0
    /// Compressed bytes written to chunk files.
    public var bytesWritten: UInt64 = 0
}

/// The snapshot a copy is of, as the caller names it.
public struct SnapshotIdentity: Equatable, Sendable {
    public var snapshotId: String
    public var diskId: String
    public var diskName: String

    public init(snapshotId: String, diskId: String, diskName: String) {
        self.snapshotId = snapshotId
        self.diskId = diskId
        self.diskName = diskName
    }
}

/// Copies a block device or file into a repository: reads whole chunks that
/// intersect the given ranges, skips zero chunks, stores the chunks the
/// repository lacks, takes the base manifest's entries for every chunk outside
/// the ranges, and commits the manifest last. Memory stays at a few chunk
/// buffers whatever the source's size: chunks and manifests are streamed.
///
/// A copy stopped midway (an error, a thrown progress callback, a kill)
/// leaves stored chunks but no manifest; run again, it finds those chunks
/// stored and does not write them twice.
public struct SnapshotCopier {
    public let repository: DirectoryRepository

    public init(repository: DirectoryRepository) {
        self.repository = repository
    }

    /// - Parameters:
    ///   - source: the device or file to read; `size` bytes of it make the volume.
    ///   - ranges: byte ranges to read; nil reads everything. Outside them a
    ///     chunk is the base's (when a base is given) or zero.
    ///   - base: the manifest of an earlier copy of the same disk, for an incremental copy.
    ///   - progress: called before the first chunk and after each; throwing from it stops the copy.
    public func copy(source: String, size: UInt64, snapshot: SnapshotIdentity, ranges: [Range<UInt64>]?,
                     base: Manifest? = nil, progress: (TransferProgress) throws -> Void = { _ in }) throws -> CopyReport {
        try repository.validate(snapshotId: snapshot.snapshotId)
        guard size > 0 else {
            throw RepositoryError(.invalidArgument, path: source, message: "cannot copy an empty volume")
        }
        if let base { try check(base: base, for: snapshot) }
        let lock = try repository.lockForWriting()
        defer { lock.release() }
        let manifestPath = repository.manifestPath(snapshot.snapshotId)
        guard try SystemCalls.status(manifestPath) == nil else {
            throw RepositoryError(.manifestExists(snapshotId: snapshot.snapshotId), path: manifestPath,
                                  message: "snapshot \(snapshot.snapshotId) is already copied into this repository")
        }
        var ranges = ranges
        if let base, base.volumeSize != size, ranges != nil {
            // The chunk that ended the old volume has another length now: read it again.
            let boundary = min(base.volumeSize, size) / UInt64(repository.chunkSize) * UInt64(repository.chunkSize)
            ranges!.append(boundary..<(boundary + UInt64(repository.chunkSize)))
        }
        let plan = ChunkPlan(ranges: ranges, chunkSize: repository.chunkSize, volumeSize: size)
        let manifest = Manifest(repositoryId: repository.id, snapshotId: snapshot.snapshotId, diskId: snapshot.diskId,
                                diskName: snapshot.diskName, volumeSize: size, chunkSize: repository.chunkSize,
                                baseSnapshotId: base?.snapshotId, created: Date())
        let writer = try ManifestWriter(manifest, temporaryDirectory: repository.temporaryDirectory)
        do {
            var report = CopyReport(manifest: manifest)
            try copyChunks(plan: plan, source: BlockSource(path: source, size: size), base: base, into: writer,
                           report: &report, progress: progress)
            report.manifest.nonZeroChunkCount = report.chunksRead - report.zeroChunks + report.chunksCarried
            try writer.commit(as: manifestPath)
            return report
        } catch {
            writer.discard()
            throw error
        }
    }

    private func check(base: Manifest, for snapshot: SnapshotIdentity) throws {
        let path = repository.manifestPath(base.snapshotId)
        guard base.repositoryId == repository.id, base.chunkSize == repository.chunkSize else {
            throw RepositoryError(.invalidArgument, path: path,
                                  message: "base snapshot \(base.snapshotId) is not a copy in this repository")
        }
        guard base.diskId == snapshot.diskId else {
            throw RepositoryError(.invalidArgument, path: path,
                                  message: "base snapshot \(base.snapshotId) is of disk \(base.diskId), not of \(snapshot.diskId)")
        }
    }

    private func copyChunks(plan: ChunkPlan, source: BlockSource, base: Manifest?, into writer: ManifestWriter,
                            report: inout CopyReport, progress: (TransferProgress) throws -> Void) throws {
        let store = ChunkStore(directory: repository.chunksDirectory, temporaryDirectory: repository.temporaryDirectory,
                               chunkSize: repository.chunkSize)
        let buffer = ChunkBuffer(capacity: repository.chunkSize)
        let zeros = ZeroDetector(capacity: repository.chunkSize)
        let chunkCount = (plan.volumeSize + plan.chunkSize - 1) / plan.chunkSize
        // The base is streamed alongside the plan: both ascend by index.
        let baseReader = try base.map { try repository.reader(snapshotId: $0.snapshotId) }
        var nextBase = try baseReader?.next()
        func carryBase(before index: UInt64) throws {
            while let entry = nextBase, entry.index < index {
                if entry.index < chunkCount {
                    try writer.append(entry)
                    report.chunksCarried += 1
                }
                nextBase = try baseReader?.next()
            }
        }
        var meter = ProgressMeter(total: plan.totalBytes)
        do {
            try progress(meter.progress)
            for run in plan.runs {
                for index in run {
                    try carryBase(before: index)
                    if nextBase?.index == index { nextBase = try baseReader?.next() }
                    let length = plan.length(ofChunk: index)
                    try source.read(at: index * plan.chunkSize, length: length, into: buffer)
                    report.chunksRead += 1
                    report.bytesRead += UInt64(length)
                    let plain = buffer.bytes(length)
                    if zeros.isZero(plain) {
                        report.zeroChunks += 1
                    } else {
                        let hash = ChunkHash(of: plain)
                        if try store.contains(hash) {
                            report.chunksAlreadyStored += 1
                        } else {
                            report.bytesWritten += UInt64(try store.store(plain, as: hash))
                            report.chunksWritten += 1
                        }
                        try writer.append(ManifestEntry(index: index, hash: hash))
                    }
                    meter.advance(by: length)
                    try progress(meter.progress)
                }
            }
        } catch {
            // The chunks already written are whole: give them their names, so that a rerun finds them.
            try? store.flush()
            throw error
        }
        try carryBase(before: UInt64.max)
        // The base's checksum is verified when its reader reaches the end.
        while try baseReader?.next() != nil {}
        try store.syncDirectories()
    }
}
