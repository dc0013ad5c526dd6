import Foundation
@testable import Repository
import Testing

struct PruneTests {
    static let chunk = 256 << 10
    static let size: UInt64 = 8 << 20

    /// s-1, s-2 and s-3 of one disk, s-2 with chunks that s-3 overwrote again, so that only s-2 uses them.
    static func threeSnapshots(_ scratch: Scratch) throws -> (DirectoryRepository, [String: String]) {
        let repository = try DirectoryRepository.create(at: "\(scratch.path)/repo", chunkSize: chunk)
        let volume = try scratch.volume("disk", size: size)
        let copier = SnapshotCopier(repository: repository)
        var digests: [String: String] = [:]
        Scratch.write(volume, at: 0, length: 4 << 20, seed: 1)
        _ = try copier.copy(source: volume, size: size, snapshot: Scratch.snapshot("s-1"), ranges: nil)
        digests["s-1"] = Scratch.digest(volume, size: size)
        let changes: [Range<UInt64>] = [(1 << 20)..<(2 << 20), (5 << 20)..<(6 << 20)]
        for (seed, change) in changes.enumerated() { Scratch.write(volume, at: change.lowerBound, length: Int(change.count), seed: 20 + UInt64(seed)) }
        _ = try copier.copy(source: volume, size: size, snapshot: Scratch.snapshot("s-2"), ranges: changes,
                            base: repository.manifest(snapshotId: "s-1"))
        digests["s-2"] = Scratch.digest(volume, size: size)
        for (seed, change) in changes.enumerated() { Scratch.write(volume, at: change.lowerBound, length: Int(change.count), seed: 30 + UInt64(seed)) }
        _ = try copier.copy(source: volume, size: size, snapshot: Scratch.snapshot("s-3"), ranges: changes,
                            base: repository.manifest(snapshotId: "s-2"))
        digests["s-3"] = Scratch.digest(volume, size: size)
        return (repository, digests)
    }

    @Test func pruneAfterDeletingAMiddleSnapshotRemovesExactlyTheChunksOnlyItUsed() throws {
        let scratch = try Scratch()
        let (repository, digests) = try Self.threeSnapshots(scratch)
        let onlyMiddle = try Scratch.chunkNames(repository, "s-2")
            .subtracting(Scratch.chunkNames(repository, "s-1")).subtracting(Scratch.chunkNames(repository, "s-3"))
        #expect(onlyMiddle.count == 8)
        let filesBefore = Scratch.chunkFiles(repository)

        try repository.deleteManifest(snapshotId: "s-2")
        let report = try repository.prune()
        let filesAfter = Scratch.chunkFiles(repository)
        #expect(Set(filesBefore.keys).subtracting(filesAfter.keys) == onlyMiddle)
        #expect(report.chunksRemoved == onlyMiddle.count)
        #expect(report.bytesFreed == onlyMiddle.reduce(0) { $0 + filesBefore[$1]! })
        #expect(report.chunksKept == filesAfter.count)
        #expect(try repository.prune().chunksRemoved == 0)

        for id in ["s-1", "s-3"] {
            let restored = try scratch.volume("restored-\(id)", size: 0)
            _ = try SnapshotRestorer(repository: repository).restore(snapshotId: id, to: restored)
            #expect(Scratch.digest(restored, size: Self.size) == digests[id])
        }
    }

    /// Every pass of a prune split by first byte must see every manifest: force many passes.
    @Test func pruneInPassesKeepsEveryReferencedChunk() throws {
        let scratch = try Scratch()
        let (repository, _) = try Self.threeSnapshots(scratch)
        try repository.deleteManifest(snapshotId: "s-2")
        let expected = try Scratch.chunkNames(repository, "s-1").union(Scratch.chunkNames(repository, "s-3"))
        _ = try repository.prune(entriesPerPass: 3)
        #expect(Set(Scratch.chunkFiles(repository).keys) == expected)
    }

    @Test func pruneRemovesStaleTemporaryFilesAndRefusesWhileAManifestIsDamaged() throws {
        let scratch = try Scratch()
        let (repository, _) = try Self.threeSnapshots(scratch)
        _ = FileManager.default.createFile(atPath: "\(repository.path)/tmp/chunk.deadhost.1.2.tmp", contents: Data([1, 2, 3]))
        let manifest = "\(repository.path)/snapshots/s-3.json"
        let original = try Data(contentsOf: URL(fileURLWithPath: manifest))
        try Data(original.dropLast(20)).write(to: URL(fileURLWithPath: manifest))
        try repository.deleteManifest(snapshotId: "s-2")
        let chunksBefore = Scratch.chunkFiles(repository)
        let error = try #require(throws: RepositoryError.self) { try repository.prune() }
        #expect(error.kind == .manifestDamaged(snapshotId: "s-3"))
        #expect(Scratch.chunkFiles(repository) == chunksBefore)

        try original.write(to: URL(fileURLWithPath: manifest))
        let report = try repository.prune()
        #expect(report.temporaryFilesRemoved == 1 && report.chunksRemoved == 8)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(repository.path)/tmp").isEmpty)
    }
}
