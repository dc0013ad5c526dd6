import Foundation

/// A snapshot repository in a directory (a second disk, an NFS or CIFS mount,
/// a USB disk). The format is in docs/repository-format.md. This type knows
/// nothing of device-mapper, pools or the catalog: callers hand it snapshot
/// IDs and byte ranges.
public final class DirectoryRepository: Sendable {
    /// 1 MiB: see docs/repository-format.md, "Chunk size", for the measurement behind it.
    public static let defaultChunkSize = 1 << 20

    public let path: String
    public let id: String
    public let chunkSize: Int
    public let created: Date

    var chunksDirectory: String { "\(path)/chunks" }
    var snapshotsDirectory: String { "\(path)/snapshots" }
    var temporaryDirectory: String { "\(path)/tmp" }
    var locksDirectory: String { "\(path)/locks" }

    private init(path: String, configuration: RepositoryConfiguration) {
        self.path = path
        id = configuration.repositoryId
        chunkSize = configuration.chunkSize
        created = configuration.created
    }

    /// Makes `path` a new, empty repository: the directory is created if its
    /// parent exists, or must be empty.
    public static func create(at path: String, chunkSize: Int = defaultChunkSize) throws -> DirectoryRepository {
        guard RepositoryConfiguration.chunkSizes.contains(chunkSize) else {
            throw RepositoryError(.invalidArgument, path: path,
                                  message: "chunk size \(chunkSize) is not a power of two from 64 KiB to 64 MiB")
        }
        let parent = (path as NSString).deletingLastPathComponent
        guard try SystemCalls.status(parent.isEmpty ? "." : parent) != nil else {
            throw RepositoryError(.missing, path: path, message: "cannot create a repository: its parent directory \(parent) does not exist")
        }
        if let status = try SystemCalls.status(path) {
            guard status.st_mode & S_IFMT == S_IFDIR else {
                throw RepositoryError(.notARepository, path: path, message: "cannot create a repository: it exists and is not a directory")
            }
            if let existing = try? RepositoryConfiguration.read(directory: path) {
                throw RepositoryError(.invalidArgument, path: path, message: "already a repository (\(existing.repositoryId))")
            }
            guard try SystemCalls.directoryEntries(path).isEmpty else {
                throw RepositoryError(.notARepository, path: path, message: "cannot create a repository: the directory is not empty")
            }
        } else {
            try SystemCalls.mkdir(path)
        }
        let configuration = RepositoryConfiguration(
            formatVersion: RepositoryConfiguration.formatVersion, repositoryId: RepositoryID.generate(), chunkSize: chunkSize,
            compression: RepositoryConfiguration.compression, created: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
        for directory in ["chunks", "snapshots", "tmp", "locks"] { try SystemCalls.mkdir("\(path)/\(directory)") }
        // The description comes last: a directory that has it is a complete repository.
        try TemporaryFile.write(try configuration.encoded(), to: "\(path)/\(RepositoryConfiguration.fileName)",
                                temporaryDirectory: "\(path)/tmp")
        return DirectoryRepository(path: path, configuration: configuration)
    }

    /// Opens an existing repository (this host's, or another host's: attaching
    /// is opening the same directory and finding the same ID). Opening reads
    /// only; an operation that writes says so if the repository cannot be written.
    public static func open(at path: String) throws -> DirectoryRepository {
        guard let status = try SystemCalls.status(path) else {
            throw RepositoryError(.missing, path: path, message: "no repository here: the path does not exist")
        }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw RepositoryError(.notARepository, path: path, message: "not a dmsnap repository: not a directory")
        }
        let configuration = try RepositoryConfiguration.read(directory: path)
        for directory in ["chunks", "snapshots", "tmp", "locks"] where try SystemCalls.status("\(path)/\(directory)") == nil {
            throw RepositoryError(.notARepository, path: path, message: "damaged repository: its \(directory)/ directory is missing")
        }
        return DirectoryRepository(path: path, configuration: configuration)
    }

    /// Takes the writer lock, or says who holds it. Copies, deletes and prune take it themselves.
    public func lockForWriting() throws -> RepositoryWriterLock {
        try RepositoryWriterLock(path: "\(locksDirectory)/writer.lock")
    }

    func manifestPath(_ snapshotId: String) -> String { "\(snapshotsDirectory)/\(snapshotId).json" }

    func validate(snapshotId: String) throws {
        guard Manifest.isValidSnapshotId(snapshotId) else {
            throw RepositoryError(.invalidArgument, path: snapshotsDirectory,
                                  message: "'\(snapshotId)' is not a snapshot ID a manifest can be named by (letters, digits, '.', '_', '-')")
        }
    }

    /// The snapshot IDs that have a manifest file, sorted; not verified.
    public func snapshotIds() throws -> [String] {
        try SystemCalls.directoryEntries(snapshotsDirectory)
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
            .map { String($0.dropLast(5)) }
            .filter(Manifest.isValidSnapshotId)
            .sorted()
    }

    /// Every manifest, each read in full and verified; a damaged one throws, naming it.
    public func manifests() throws -> [Manifest] {
        try snapshotIds().compactMap { id in
            do {
                return try manifest(snapshotId: id)
            } catch let error as RepositoryError where error.kind == .manifestNotFound(snapshotId: id) {
                return nil // deleted while we listed
            }
        }
    }

    /// One snapshot's manifest, read in full and verified.
    public func manifest(snapshotId: String) throws -> Manifest {
        try reader(snapshotId: snapshotId).verify()
    }

    /// A stream over one manifest's non-zero chunks, verified as it is read.
    func reader(snapshotId: String) throws -> ManifestReader {
        try validate(snapshotId: snapshotId)
        return try ManifestReader(path: manifestPath(snapshotId), snapshotId: snapshotId, repositoryId: id)
    }

    /// Deletes one snapshot's copy. Its chunks stay until `prune`, which removes those no other manifest uses.
    public func deleteManifest(snapshotId: String) throws {
        try validate(snapshotId: snapshotId)
        let lock = try lockForWriting()
        defer { lock.release() }
        let path = manifestPath(snapshotId)
        guard try SystemCalls.status(path) != nil else {
            throw RepositoryError(.manifestNotFound(snapshotId: snapshotId), path: path,
                                  message: "the repository holds no copy of snapshot \(snapshotId)")
        }
        try SystemCalls.unlink(path)
        try SystemCalls.fsyncDirectory(snapshotsDirectory)
    }
}
