import Foundation
@testable import Repository
import Testing

/// A flipped byte in a chunk or a manifest, and a chunk gone: check names each, restore refuses.
struct DamageTests {
    static let size: UInt64 = 6 << 20

    static func copied(_ scratch: Scratch) throws -> DirectoryRepository {
        let repository = try DirectoryRepository.create(at: "\(scratch.path)/repo", chunkSize: 1 << 20)
        let volume = try scratch.volume("disk", size: size)
        Scratch.write(volume, at: 0, length: 3 << 20, seed: 5)
        _ = try SnapshotCopier(repository: repository).copy(source: volume, size: size, snapshot: Scratch.snapshot("s-a"), ranges: nil)
        Scratch.write(volume, at: 4 << 20, length: 4096, seed: 6)
        _ = try SnapshotCopier(repository: repository).copy(source: volume, size: size, snapshot: Scratch.snapshot("s-b"), ranges: nil)
        return repository
    }

    /// The chunk at `index` of a snapshot, by name and file.
    static func chunk(_ repository: DirectoryRepository, _ snapshotId: String, index: UInt64) throws -> (name: String, path: String) {
        let reader = try repository.reader(snapshotId: snapshotId)
        while let entry = try reader.next() {
            guard entry.index == index else { continue }
            return (entry.hash.hex, "\(repository.path)/chunks/\(entry.hash.hex.prefix(2))/\(entry.hash.hex)")
        }
        Issue.record("no chunk \(index) in \(snapshotId)")
        return ("", "")
    }

    static func flipByte(_ path: String, at offset: Int) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[offset] ^= 0x01
        try data.write(to: URL(fileURLWithPath: path))
    }

    @Test func aFlippedByteInAChunkIsNamedByCheckAndRefusedByRestore() throws {
        let scratch = try Scratch()
        let repository = try Self.copied(scratch)
        #expect(try repository.check(readData: true).isHealthy)
        let (name, path) = try Self.chunk(repository, "s-a", index: 2)
        try Self.flipByte(path, at: Int(Scratch.fileSize(path)) / 2)

        let quick = try repository.check(readData: false)
        #expect(quick.isHealthy && quick.manifestsChecked == 2, "without readData only manifests are read")
        let report = try repository.check(readData: true)
        #expect(report.damagedChunks.map(\.chunk) == [name])
        #expect(report.damagedManifests.isEmpty && report.missingChunkCount == 0)

        let error = try #require(throws: RepositoryError.self) {
            try SnapshotRestorer(repository: repository).restore(snapshotId: "s-a", to: scratch.volume("target", size: 0))
        }
        #expect(error.kind == .chunkDamaged(snapshotId: "s-a", offset: 2 << 20, chunk: name))
        #expect(error.description.contains("s-a") && error.description.contains("\(2 << 20)") && error.description.contains(name))
    }

    @Test func aFlippedByteInAManifestIsNamedByCheckAndRefusedByRestore() throws {
        let scratch = try Scratch()
        let repository = try Self.copied(scratch)
        let manifest = "\(repository.path)/snapshots/s-b.json"
        // A digit of a chunk hash in the list: still well-formed JSON, but not what was written.
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        let line = text.split(separator: "\n")[3]
        let offset = text.utf8.count - text[line.startIndex...].utf8.count + 10
        try Self.flipByte(manifest, at: offset)

        let report = try repository.check(readData: false)
        #expect(report.damagedManifests.map(\.snapshotId) == ["s-b"])
        #expect(report.damagedManifests.first?.reason.contains("SHA-256") == true)
        let error = try #require(throws: RepositoryError.self) {
            try SnapshotRestorer(repository: repository).restore(snapshotId: "s-b", to: scratch.volume("target", size: 0))
        }
        #expect(error.kind == .manifestDamaged(snapshotId: "s-b"))
        #expect(Scratch.fileSize("\(scratch.path)/target") == 0, "nothing is written from a damaged manifest")
        // The other snapshot is untouched by its neighbour's damage.
        _ = try SnapshotRestorer(repository: repository).restore(snapshotId: "s-a", to: scratch.volume("other", size: 0))
    }

    @Test func aMissingChunkIsNamedByCheckAndRefusedByRestore() throws {
        let scratch = try Scratch()
        let repository = try Self.copied(scratch)
        let (name, path) = try Self.chunk(repository, "s-b", index: 4)
        try FileManager.default.removeItem(atPath: path)

        let report = try repository.check(readData: true)
        #expect(report.missingChunks == [.init(snapshotId: "s-b", offset: 4 << 20, chunk: name)])
        let error = try #require(throws: RepositoryError.self) {
            try SnapshotRestorer(repository: repository).restore(snapshotId: "s-b", to: scratch.volume("target", size: 0))
        }
        #expect(error.kind == .chunkMissing(snapshotId: "s-b", offset: 4 << 20, chunk: name))
    }

    @Test func aTruncatedOrRewrittenManifestIsDamaged() throws {
        let scratch = try Scratch()
        let repository = try Self.copied(scratch)
        let manifest = "\(repository.path)/snapshots/s-a.json"
        let original = try Data(contentsOf: URL(fileURLWithPath: manifest))
        for damaged in [original.prefix(original.count / 2), original + Data("x\n".utf8), Data("{}\n".utf8), Data()] {
            try Data(damaged).write(to: URL(fileURLWithPath: manifest))
            let error = try #require(throws: RepositoryError.self) { try repository.manifest(snapshotId: "s-a") }
            #expect(error.kind == .manifestDamaged(snapshotId: "s-a"))
        }
    }
}
