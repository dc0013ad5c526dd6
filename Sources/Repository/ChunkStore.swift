import Foundation

/// `chunks/XX/<sha256-hex>`: one zstd frame per chunk, named by the SHA-256 of
/// its plaintext, XX the hash's first byte (256 directories keep each one small).
/// A chunk once stored is never rewritten: the same name means the same content.
final class ChunkStore {
    let directory: String
    let temporaryDirectory: String
    let codec: ChunkCodec
    /// Chunk directories renamed into since the last `syncDirectories`.
    private var unsyncedDirectories: Set<String> = []
    /// Chunks written under temporary names and not yet flushed: their durability
    /// is one syncfs for the batch, then each is renamed to its name.
    private var pending: [(file: TemporaryFile, hash: ChunkHash)] = []
    private var pendingHashes: Set<ChunkHash> = []
    private var pendingBytes = 0
    static let batchChunks = 64
    static let batchBytes = 64 << 20

    init(directory: String, temporaryDirectory: String, chunkSize: Int) {
        self.directory = directory
        self.temporaryDirectory = temporaryDirectory
        codec = ChunkCodec(chunkSize: chunkSize)
    }

    func subdirectory(_ firstByte: UInt8) -> String {
        let hex = Array("0123456789abcdef")
        return "\(directory)/\(hex[Int(firstByte >> 4)])\(hex[Int(firstByte & 0xF)])"
    }

    func path(_ hash: ChunkHash) -> String { "\(subdirectory(hash.firstByte))/\(hash.hex)" }

    /// Whether the chunk is stored, or written and waiting for its batch's flush.
    func contains(_ hash: ChunkHash) throws -> Bool {
        try pendingHashes.contains(hash) || SystemCalls.status(path(hash)) != nil
    }

    /// Compresses and stores a chunk; returns the bytes written. The chunk gets
    /// its name when its batch is flushed, never before its content is durable.
    func store(_ plain: UnsafeRawBufferPointer, as hash: ChunkHash) throws -> Int {
        let frame = codec.compress(plain)
        let file = try TemporaryFile(in: temporaryDirectory, purpose: "chunk")
        try file.append(frame)
        pending.append((file, hash))
        pendingHashes.insert(hash)
        pendingBytes += frame.count
        if pending.count >= Self.batchChunks || pendingBytes >= Self.batchBytes { try flush() }
        return frame.count
    }

    /// One syncfs makes the batch's files durable; then each is renamed to its name.
    func flush() throws {
        guard let first = pending.first else { return }
        try SystemCalls.syncFilesystem(first.file.descriptor, path: temporaryDirectory)
        for (file, hash) in pending {
            let parent = subdirectory(hash.firstByte)
            if try SystemCalls.status(parent) == nil {
                try SystemCalls.mkdir(parent)
                unsyncedDirectories.insert(directory)
            }
            try file.commit(as: path(hash), synced: true, syncDirectory: false)
            unsyncedDirectories.insert(parent)
        }
        pending.removeAll()
        pendingHashes.removeAll()
        pendingBytes = 0
    }

    /// Makes every chunk stored since the last call durable under its name: called
    /// before a manifest that names these chunks is committed, once per directory
    /// rather than once per chunk.
    func syncDirectories() throws {
        try flush()
        for directory in unsyncedDirectories.sorted() { try SystemCalls.fsyncDirectory(directory) }
        unsyncedDirectories.removeAll()
    }

    enum ReadFailure: Error {
        case missing
        case damaged(String)
    }

    /// Reads, decompresses and verifies one chunk into `output`; returns its plaintext length.
    func read(_ hash: ChunkHash, into output: ChunkBuffer) throws -> Result<Int, ReadFailure> {
        let file = path(hash)
        let fd: Int32
        do {
            fd = try SystemCalls.open(file, O_RDONLY)
        } catch let error as RepositoryError where error.kind == .missing {
            return .failure(.missing)
        }
        defer { SystemCalls.close(fd) }
        let frame = codec.frameBuffer
        // One byte more than a frame may hold tells an oversized file from a full one.
        let count = try SystemCalls.pread(fd, frame.pointer, codec.frameCapacity + 1, at: 0, path: file)
        guard count <= codec.frameCapacity else { return .failure(.damaged("larger than any compressed chunk")) }
        switch codec.decompress(frame.bytes(count), into: output) {
        case .failure(let failure):
            return .failure(.damaged(failure.reason))
        case .success(let length):
            guard ChunkHash(of: output.bytes(length)) == hash else {
                return .failure(.damaged("its content's SHA-256 is not its name"))
            }
            return .success(length)
        }
    }

    /// The stored chunks under one directory, by name; names that are not chunk hashes are left out.
    func chunks(inDirectoryOf firstByte: UInt8) throws -> [(hash: ChunkHash, name: String)] {
        try SystemCalls.directoryEntries(subdirectory(firstByte)).compactMap { name in
            guard let hash = ChunkHash(hex: name), hash.firstByte == firstByte else { return nil }
            return (hash, name)
        }
    }
}
