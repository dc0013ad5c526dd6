import Foundation
@testable import Repository
import Testing

/// Copies of real sparse files into a real repository directory, restored to fresh files.
struct CopyRestoreTests {
    static let chunk = 1 << 20
    /// Not a multiple of the chunk size: the last chunk is short.
    static let size: UInt64 = 40 * (1 << 20) + 12 * 1024

    /// Data at the start, across a chunk boundary, inside one chunk and in the short last chunk.
    static func writeInitialData(_ volume: String) {
        Scratch.write(volume, at: 0, length: 3 << 20, seed: 1)
        Scratch.write(volume, at: (10 << 20) - 4096, length: 8192, seed: 2)
        Scratch.write(volume, at: (20 << 20) + 100, length: 1000, seed: 3)
        Scratch.write(volume, at: size - 5000, length: 5000, seed: 4)
    }

    static func repositoryAndVolume(_ scratch: Scratch) throws -> (DirectoryRepository, String) {
        let repository = try DirectoryRepository.create(at: "\(scratch.path)/repo", chunkSize: chunk)
        let volume = try scratch.volume("disk", size: size)
        writeInitialData(volume)
        return (repository, volume)
    }

    /// Restores a snapshot to a fresh file and returns that file's SHA-256 over the volume's size.
    static func restoredDigest(_ repository: DirectoryRepository, _ snapshotId: String, _ scratch: Scratch, size: UInt64 = size) throws -> String {
        let restored = try scratch.volume("restored-\(snapshotId)", size: 0)
        _ = try SnapshotRestorer(repository: repository).restore(snapshotId: snapshotId, to: restored)
        return Scratch.digest(restored, size: size)
    }

    @Test func fullCopyRestoresByteForByteAndStoresNoZeroChunk() throws {
        let scratch = try Scratch()
        let (repository, volume) = try Self.repositoryAndVolume(scratch)
        var last: TransferProgress?
        let report = try SnapshotCopier(repository: repository).copy(
            source: volume, size: Self.size, snapshot: Scratch.snapshot("s-full"), ranges: nil) { last = $0 }
        // 3 chunks at the start, 2 across the boundary, 1 inside, 1 short last one.
        #expect(report.chunksWritten == 7)
        #expect(report.zeroChunks == 41 - 7)
        #expect(Scratch.chunkFiles(repository).count == 7)
        #expect(last?.bytesDone == Self.size && last?.bytesTotal == Self.size && last?.remainingSeconds == 0)

        let restored = try scratch.volume("restored", size: 0)
        let restore = try SnapshotRestorer(repository: repository).restore(snapshotId: "s-full", to: restored)
        #expect(restore.chunksWritten == 7)
        #expect(Scratch.fileSize(restored) == Self.size)
        #expect(Scratch.digest(restored, size: Self.size) == Scratch.digest(volume, size: Self.size))
    }

    @Test func aFullCopyOfMappedRangesReadsOnlyTheirChunks() throws {
        let scratch = try Scratch()
        let (repository, volume) = try Self.repositoryAndVolume(scratch)
        // The mapped ranges a thin pool would report, in any order, overlapping.
        let mapped: [Range<UInt64>] = [(Self.size - 5000)..<(Self.size + 99999), 0..<(3 << 20), (1 << 20)..<(2 << 20),
                                       ((10 << 20) - 4096)..<((10 << 20) + 4096), ((20 << 20) + 100)..<((20 << 20) + 1100)]
        let report = try SnapshotCopier(repository: repository).copy(
            source: volume, size: Self.size, snapshot: Scratch.snapshot("s-mapped"), ranges: mapped)
        #expect(report.chunksRead == 7 && report.zeroChunks == 0)
        #expect(try Self.restoredDigest(repository, "s-mapped", scratch) == Scratch.digest(volume, size: Self.size))
    }

    @Test func incrementalCopyStoresOnlyTheChangeAndRestoresTheNewContent() throws {
        let scratch = try Scratch()
        let (repository, volume) = try Self.repositoryAndVolume(scratch)
        let copier = SnapshotCopier(repository: repository)
        _ = try copier.copy(source: volume, size: Self.size, snapshot: Scratch.snapshot("s-1"), ranges: nil)
        let before = Scratch.digest(volume, size: Self.size)
        let grownFrom = Scratch.chunkFiles(repository).values.reduce(0, +)

        // 2 MiB over data, 1 MiB in a hole, 512 KiB inside one chunk: 3.5 MiB changed in 4 chunks.
        let changes: [Range<UInt64>] = [(1 << 20)..<(3 << 20), (30 << 20)..<(31 << 20), (35 << 20)..<((35 << 20) + (512 << 10))]
        for (seed, change) in changes.enumerated() {
            Scratch.write(volume, at: change.lowerBound, length: Int(change.count), seed: 100 + UInt64(seed))
        }
        let changed = changes.reduce(0) { $0 + UInt64($1.count) }
        let base = try repository.manifest(snapshotId: "s-1")
        let report = try copier.copy(source: volume, size: Self.size, snapshot: Scratch.snapshot("s-2"), ranges: changes, base: base)
        #expect(report.chunksRead == 4)
        #expect(report.chunksCarried == 7 - 2)
        let growth = Scratch.chunkFiles(repository).values.reduce(0, +) - grownFrom
        #expect(Double(growth) <= 1.5 * Double(changed), "grew by \(growth) bytes for \(changed) changed")
        #expect(try repository.manifest(snapshotId: "s-2").baseSnapshotId == "s-1")

        #expect(try Self.restoredDigest(repository, "s-2", scratch) == Scratch.digest(volume, size: Self.size))
        #expect(try Self.restoredDigest(repository, "s-1", scratch) == before)
    }

    /// A disk grown since its base copy: the base's short last chunk is read again at its new length.
    @Test func anIncrementalCopyOfAGrownVolumeRestoresTheNewContent() throws {
        let scratch = try Scratch()
        let (repository, volume) = try Self.repositoryAndVolume(scratch)
        let copier = SnapshotCopier(repository: repository)
        _ = try copier.copy(source: volume, size: Self.size, snapshot: Scratch.snapshot("s-small"), ranges: nil)
        let grown = Self.size + (3 << 20)
        precondition(truncate(volume, off_t(grown)) == 0)
        Scratch.write(volume, at: Self.size + (1 << 20), length: 4096, seed: 50)
        let change = (Self.size + (1 << 20))..<(Self.size + (1 << 20) + 4096)
        let report = try copier.copy(source: volume, size: grown, snapshot: Scratch.snapshot("s-grown"), ranges: [change],
                                     base: repository.manifest(snapshotId: "s-small"))
        #expect(report.chunksRead == 2)
        #expect(try Self.restoredDigest(repository, "s-grown", scratch, size: grown) == Scratch.digest(volume, size: grown))
    }

    @Test func anInterruptedCopyLeavesNoManifestAndTheRerunReusesItsChunks() throws {
        let scratch = try Scratch()
        let repository = try DirectoryRepository.create(at: "\(scratch.path)/repo", chunkSize: Self.chunk)
        let volume = try scratch.volume("disk", size: 16 << 20)
        Scratch.write(volume, at: 0, length: 16 << 20, seed: 7)
        struct Interrupted: Error {}
        let copier = SnapshotCopier(repository: repository)
        #expect(throws: Interrupted.self) {
            try copier.copy(source: volume, size: 16 << 20, snapshot: Scratch.snapshot("s-cut"), ranges: nil) { progress in
                if progress.bytesDone >= 8 << 20 { throw Interrupted() }
            }
        }
        #expect(try repository.snapshotIds().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(repository.path)/tmp").isEmpty)
        // Whatever is stored under a chunk's name is a whole chunk.
        let partial = try repository.check(readData: true)
        #expect(partial.isHealthy && partial.chunksChecked == 8)

        let rerun = try copier.copy(source: volume, size: 16 << 20, snapshot: Scratch.snapshot("s-cut"), ranges: nil)
        #expect(rerun.chunksAlreadyStored == 8 && rerun.chunksWritten == 8)
        #expect(try Self.restoredDigest(repository, "s-cut", scratch, size: 16 << 20) == Scratch.digest(volume, size: 16 << 20))
    }

    @Test func aSnapshotIsCopiedOnce() throws {
        let scratch = try Scratch()
        let repository = try DirectoryRepository.create(at: "\(scratch.path)/repo", chunkSize: Self.chunk)
        let volume = try scratch.volume("disk", size: 4 << 20)
        Scratch.write(volume, at: 0, length: 4096, seed: 9)
        let copier = SnapshotCopier(repository: repository)
        _ = try copier.copy(source: volume, size: 4 << 20, snapshot: Scratch.snapshot("s-once"), ranges: nil)
        let error = try #require(throws: RepositoryError.self) {
            try copier.copy(source: volume, size: 4 << 20, snapshot: Scratch.snapshot("s-once"), ranges: nil)
        }
        #expect(error.kind == .manifestExists(snapshotId: "s-once"))
    }

    /// Resident memory grows by a few chunk buffers, not with the disk: a 4 GiB sparse
    /// volume with 64 data chunks spread over it.
    @Test func aCopyOfALargeVolumeKeepsMemoryBounded() throws {
        let scratch = try Scratch()
        let repository = try DirectoryRepository.create(at: "\(scratch.path)/repo", chunkSize: Self.chunk)
        let size: UInt64 = 4 << 30
        let volume = try scratch.volume("disk", size: size)
        for index in 0..<64 { Scratch.write(volume, at: UInt64(index) * (64 << 20), length: 1 << 20, seed: UInt64(index)) }
        // Resident memory sampled after every chunk (peak RSS is process-wide, and tests run in parallel).
        let before = Self.residentBytes()
        var highest = before
        let report = try SnapshotCopier(repository: repository).copy(
            source: volume, size: size, snapshot: Scratch.snapshot("s-large"), ranges: nil) { _ in highest = max(highest, Self.residentBytes()) }
        let grown = highest - before
        print("a copy of a 4 GiB volume grew resident memory by at most \(grown >> 10) KiB")
        #expect(report.chunksWritten == 64 && report.zeroChunks == 4096 - 64)
        #expect(grown < 32 << 20, "resident memory grew by \(grown >> 20) MiB")
        // The manifest streams back with its 64 entries.
        #expect(try repository.manifest(snapshotId: "s-large").nonZeroChunkCount == 64)
    }

    /// The second field of /proc/self/statm: resident pages.
    static func residentBytes() -> Int {
        let fields = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8))?.split(separator: " ") ?? []
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }
}
