import Foundation
@testable import Repository
import Testing

struct OpenAndLockTests {
    @Test func aSecondHostAttachesByOpeningTheSameDirectory() throws {
        let scratch = try Scratch()
        let created = try DirectoryRepository.create(at: "\(scratch.path)/repo", chunkSize: 256 << 10)
        #expect(RepositoryID.isValid(created.id))
        let volume = try scratch.volume("disk", size: 1 << 20)
        Scratch.write(volume, at: 0, length: 1000, seed: 1)
        _ = try SnapshotCopier(repository: created).copy(source: volume, size: 1 << 20, snapshot: Scratch.snapshot("s-x"), ranges: nil)
        let attached = try DirectoryRepository.open(at: "\(scratch.path)/repo")
        #expect(attached.id == created.id && attached.chunkSize == 256 << 10)
        #expect(try attached.manifests().map(\.snapshotId) == ["s-x"])
        #expect(try attached.manifests().first?.diskName == "web")
    }

    @Test func openingWhatIsNotARepositorySaysWhy() throws {
        let scratch = try Scratch()
        func failure(_ path: String) throws -> RepositoryError {
            try #require(throws: RepositoryError.self) { try DirectoryRepository.open(at: path) }
        }
        let missing = try failure("\(scratch.path)/nowhere")
        #expect(missing.kind == .missing && missing.description.contains("\(scratch.path)/nowhere"))
        #expect(try failure(scratch.volume("file", size: 10)).kind == .notARepository)
        try FileManager.default.createDirectory(atPath: "\(scratch.path)/empty", withIntermediateDirectories: false)
        let empty = try failure("\(scratch.path)/empty")
        #expect(empty.kind == .notARepository && empty.description.contains("dmsnap-repository.json"))

        let repository = try DirectoryRepository.create(at: "\(scratch.path)/repo")
        let description = "\(repository.path)/dmsnap-repository.json"
        let text = try String(contentsOfFile: description, encoding: .utf8)
        try text.replacingOccurrences(of: "\"formatVersion\" : 1", with: "\"formatVersion\" : 2")
            .write(toFile: description, atomically: true, encoding: .utf8)
        let newer = try failure(repository.path)
        #expect(newer.kind == .unknownFormat(version: 2) && newer.description.contains("format 2"))
    }

    @Test func createRefusesABadChunkSizeAnUsedDirectoryAndAMissingParent() throws {
        let scratch = try Scratch()
        func failure(_ path: String, chunkSize: Int = 1 << 20) throws -> RepositoryError {
            try #require(throws: RepositoryError.self) { try DirectoryRepository.create(at: path, chunkSize: chunkSize) }
        }
        #expect(try failure("\(scratch.path)/a", chunkSize: 3 << 20).kind == .invalidArgument)
        #expect(try failure("\(scratch.path)/no/such/parent").kind == .missing)
        try FileManager.default.createDirectory(atPath: "\(scratch.path)/occupied", withIntermediateDirectories: false)
        _ = try scratch.volume("occupied/something", size: 1)
        #expect(try failure("\(scratch.path)/occupied").kind == .notARepository)
        let repository = try DirectoryRepository.create(at: "\(scratch.path)/repo")
        #expect(try failure(repository.path).description.contains(repository.id))
    }

    @Test func aSecondWriterIsRefusedNamingTheHolder() throws {
        let scratch = try Scratch()
        let repository = try DirectoryRepository.create(at: "\(scratch.path)/repo")
        let other = try DirectoryRepository.open(at: repository.path)
        let lock = try repository.lockForWriting()
        let refused = try #require(throws: RepositoryError.self) { try other.lockForWriting() }
        guard case .locked(let holder) = refused.kind else { Issue.record("not a lock refusal: \(refused)"); return }
        #expect(holder.contains("pid \(getpid())"))
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, 255)
        #expect(holder.contains("host \(String(decoding: host.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self))"))

        let volume = try scratch.volume("disk", size: 1 << 20)
        let copy = try #require(throws: RepositoryError.self) {
            try SnapshotCopier(repository: other).copy(source: volume, size: 1 << 20, snapshot: Scratch.snapshot("s-y"), ranges: nil)
        }
        #expect(copy.kind == .locked(holder: holder))
        #expect(throws: RepositoryError.self) { try other.prune() }
        lock.release()
        _ = try other.prune()
    }

    @Test func snapshotIdsThatAreNotFileNamesAreRefused() throws {
        let scratch = try Scratch()
        let repository = try DirectoryRepository.create(at: "\(scratch.path)/repo")
        let volume = try scratch.volume("disk", size: 1 << 20)
        for id in ["../escape", "", ".hidden", "a/b", "s-ü"] {
            let error = try #require(throws: RepositoryError.self) {
                try SnapshotCopier(repository: repository).copy(source: volume, size: 1 << 20, snapshot: Scratch.snapshot(id), ranges: nil)
            }
            #expect(error.kind == .invalidArgument)
        }
    }
}
