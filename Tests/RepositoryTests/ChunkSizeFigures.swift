import Foundation
@testable import Repository
import TestSupport
import Testing

/// The measurement behind the default chunk size (docs/repository-format.md,
/// "Chunk size"). Prints figures; asserts nothing about speed. Rerun with
///
///     DMSNAP_CHUNK_SIZE_FIGURES=1 swift test --skip-build --filter ChunkSizeFigures
@Suite(.enabled(if: ProcessInfo.processInfo.environment["DMSNAP_CHUNK_SIZE_FIGURES"] == "1"))
struct ChunkSizeFigures {
    static let chunkSizes = [256 << 10, 1 << 20, 4 << 20]

    /// 512 MiB like a used disk: a quarter random (compressed data), a quarter
    /// text-like, a quarter zero-filled 4 KiB blocks amid data, a quarter holes.
    static func mixedVolume(_ scratch: Scratch, size: UInt64) throws -> String {
        let volume = try scratch.volume("mixed", size: size)
        let quarter = size / 4
        Scratch.write(volume, at: 0, length: Int(quarter), seed: 1)
        let fd = open(volume, O_WRONLY)
        defer { close(fd) }
        let words = ["block ", "device ", "snapshot ", "thin ", "pool ", "metadata ", "kernel ", "\n", "1234 ", "ext4 "]
        var random = SplitMix64(state: 2)
        var text = [UInt8]()
        while text.count < 1 << 20 { text += Array(words.randomElement(using: &random)!.utf8) }
        for offset in stride(from: quarter, to: 2 * quarter, by: 1 << 20) {
            _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, 1 << 20, off_t(offset)) }
        }
        // Data with zero 4 KiB blocks every 64 KiB: no chunk is all zero.
        Scratch.write(volume, at: 2 * quarter, length: Int(quarter), seed: 3)
        let zeros = [UInt8](repeating: 0, count: 4 << 10)
        for offset in stride(from: 2 * quarter, to: 3 * quarter, by: 64 << 10) {
            _ = zeros.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        }
        return volume
    }

    /// Changes in clusters of 1–16 pool blocks (64 KiB, dmsnap's native pool block) at random places.
    static func clusteredChanges(size: UInt64, total: UInt64, seed: UInt64) -> [Range<UInt64>] {
        var random = SplitMix64(state: seed)
        var changes: [Range<UInt64>] = []
        var changed: UInt64 = 0
        let block: UInt64 = 64 << 10
        while changed < total {
            let length = UInt64.random(in: 1...16, using: &random) * block
            let start = UInt64.random(in: 0..<(size - length) / block, using: &random) * block
            changes.append(start..<(start + length))
            changed += length
        }
        return changes
    }

    @Test func figuresForEachChunkSize() throws {
        let scratch = try Scratch()
        let mixedSize: UInt64 = 512 << 20
        let mixed = try Self.mixedVolume(scratch, size: mixedSize)
        let incrementalSize: UInt64 = 4 << 30
        let incremental = try scratch.volume("incremental", size: incrementalSize)
        let changes = Self.clusteredChanges(size: incrementalSize, total: 64 << 20, seed: 4)
        let changed = changes.reduce(0) { $0 + UInt64($1.count) } // overlaps counted twice: a bound
        print("chunk size | full copy MiB/s | stored/read (mixed) | restore MiB/s | incremental read/changed | chunk files per TiB | manifest MiB per full TiB")
        for chunkSize in Self.chunkSizes {
            let repository = try DirectoryRepository.create(at: "\(scratch.path)/repo-\(chunkSize)", chunkSize: chunkSize)
            let copier = SnapshotCopier(repository: repository)
            let started = ContinuousClock.now
            let full = try copier.copy(source: mixed, size: mixedSize, snapshot: Scratch.snapshot("s-mixed"), ranges: nil)
            let copySeconds = Self.seconds(ContinuousClock.now - started)
            let restoreStarted = ContinuousClock.now
            let target = try scratch.volume("restored-\(chunkSize)", size: 0)
            _ = try SnapshotRestorer(repository: repository).restore(snapshotId: "s-mixed", to: target)
            let restoreSeconds = Self.seconds(ContinuousClock.now - restoreStarted)
            try FileManager.default.removeItem(atPath: target)

            _ = try copier.copy(source: incremental, size: incrementalSize, snapshot: Scratch.snapshot("s-base"), ranges: [])
            let delta = try copier.copy(source: incremental, size: incrementalSize, snapshot: Scratch.snapshot("s-delta"),
                                        ranges: changes, base: repository.manifest(snapshotId: "s-base"))
            let mib = Double(mixedSize) / Double(1 << 20)
            let manifestBytes = Double(Scratch.fileSize("\(repository.path)/snapshots/s-mixed.json"))
            let entryBytes = manifestBytes / Double(full.chunksRead - full.zeroChunks)
            print(String(format: "%10d KiB | %15.0f | %19.2f | %13.0f | %24.2f | %19d | %.0f",
                         chunkSize >> 10, mib / copySeconds, Double(full.bytesWritten) / Double(full.bytesRead), mib / restoreSeconds,
                         Double(delta.bytesRead) / Double(changed), (1 << 40) / chunkSize,
                         entryBytes * Double((1 << 40) / chunkSize) / Double(1 << 20)))
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
