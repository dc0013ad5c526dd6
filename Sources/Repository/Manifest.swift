import Foundation

/// What a manifest says about its snapshot: the header of
/// `snapshots/<snapshotId>.json`. Its chunk list is read as a stream
/// (`ManifestReader`), never held whole: a 1 TiB disk has a million entries.
public struct Manifest: Codable, Equatable, Sendable {
    public static let formatVersion = 1

    public var formatVersion: Int
    public var repositoryId: String
    public var snapshotId: String
    public var diskId: String
    public var diskName: String
    /// The volume's size in bytes; the last chunk may be shorter than `chunkSize`.
    public var volumeSize: UInt64
    public var chunkSize: Int
    /// The snapshot this copy was made incrementally from, if any. Informational:
    /// the manifest lists every non-zero chunk, so it stands without its base.
    public var baseSnapshotId: String?
    public var created: Date

    /// Counted while the manifest was verified, not stored in its header.
    public internal(set) var nonZeroChunkCount: Int = 0

    enum CodingKeys: String, CodingKey {
        case formatVersion, repositoryId, snapshotId, diskId, diskName, volumeSize, chunkSize, baseSnapshotId, created
    }

    public init(repositoryId: String, snapshotId: String, diskId: String, diskName: String, volumeSize: UInt64,
                chunkSize: Int, baseSnapshotId: String?, created: Date) {
        formatVersion = Self.formatVersion
        self.repositoryId = repositoryId
        self.snapshotId = snapshotId
        self.diskId = diskId
        self.diskName = diskName
        self.volumeSize = volumeSize
        self.chunkSize = chunkSize
        self.baseSnapshotId = baseSnapshotId
        self.created = created
    }

    /// How many chunks cover the volume, zero ones included.
    public var chunkCount: UInt64 { (volumeSize + UInt64(chunkSize) - 1) / UInt64(chunkSize) }

    /// The plaintext length of chunk `index`: the chunk size, less for the last one.
    public func length(ofChunk index: UInt64) -> Int {
        Int(min(UInt64(chunkSize), volumeSize - index * UInt64(chunkSize)))
    }

    /// A snapshot ID becomes a file name: letters, digits, `.`, `_` and `-`, not leading with `.`.
    public static func isValidSnapshotId(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128 && !id.hasPrefix(".")
            && id.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._-".unicodeScalars.contains($0) }
    }
}

/// One non-zero chunk of a snapshot: its index (byte offset / chunk size) and its name.
public struct ManifestEntry: Equatable, Sendable {
    public var index: UInt64
    public var hash: ChunkHash
}
