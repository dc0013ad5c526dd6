import Crypto
import Foundation

/// Writes a manifest as the copy goes, entry by entry in ascending index, to a
/// temporary file; `commit` renames it into `snapshots/`: the copy's commit
/// point. Until then the snapshot has no manifest, whatever chunks are stored.
final class ManifestWriter {
    private let file: TemporaryFile
    private let manifest: Manifest
    private var checksum = SHA256()
    private var pending: [UInt8] = []
    private var entries = 0
    private var lastIndex: UInt64?

    init(_ manifest: Manifest, temporaryDirectory: String) throws {
        self.manifest = manifest
        file = try TemporaryFile(in: temporaryDirectory, purpose: "manifest-\(manifest.snapshotId)")
        pending.reserveCapacity(80 * 1024)
        let header = try ManifestLayout.encoder().encode(manifest)
        try emit(ManifestLayout.headerPrefix + Array(header) + Array(",\n".utf8))
        try emit(ManifestLayout.chunksLine)
    }

    func append(_ entry: ManifestEntry) throws {
        precondition(lastIndex.map { $0 < entry.index } ?? true, "manifest entries must ascend")
        precondition(entry.index < manifest.chunkCount)
        lastIndex = entry.index
        if entries > 0 { try emit(Array(",\n".utf8)) }
        try emit(ManifestLayout.entryLine(entry))
        entries += 1
    }

    /// Ends the list, appends the checksum and renames the file into place.
    func commit(as path: String) throws {
        try emit(entries > 0 ? [0x0A] + ManifestLayout.chunksEnd : ManifestLayout.chunksEnd)
        let digest = ChunkHash(checksum.finalize()).hex
        pending += ManifestLayout.checksumPrefix + Array(digest.utf8) + ManifestLayout.checksumSuffix
        try flush()
        try file.commit(as: path)
    }

    func discard() { file.discard() }

    private func emit(_ bytes: [UInt8]) throws {
        checksum.update(data: bytes)
        pending += bytes
        if pending.count >= 64 * 1024 { try flush() }
    }

    private func flush() throws {
        try file.append(pending)
        pending.removeAll(keepingCapacity: true)
    }
}
