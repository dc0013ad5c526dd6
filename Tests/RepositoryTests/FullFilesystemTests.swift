import Foundation
@testable import Repository
import Testing

/// Repositories on small tmpfs mounts (mounting needs root, which Scripts/test runs as).
@Suite(.enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
struct FullFilesystemTests {
    /// A fresh tmpfs of `size` under the scratch directory, or nil with an issue recorded.
    static func mountTmpfs(in scratch: Scratch, size: String) throws -> String? {
        let mountPoint = "\(scratch.path)/tmpfs"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
        guard mount("tmpfs", mountPoint, "tmpfs", 0, "size=\(size)") == 0 else {
            Issue.record("mount tmpfs: \(String(cString: strerror(errno)))")
            return nil
        }
        return mountPoint
    }

    @Test func aCopyIntoAFullFilesystemFailsClearlyAndARetryAfterSpaceIsFreedSucceeds() throws {
        let scratch = try Scratch()
        guard let mountPoint = try Self.mountTmpfs(in: scratch, size: "4m") else { return }
        defer { umount(mountPoint) }
        let repository = try DirectoryRepository.create(at: "\(mountPoint)/repo", chunkSize: 1 << 20)
        let size: UInt64 = 8 << 20
        let volume = try scratch.volume("disk", size: size)
        Scratch.write(volume, at: 0, length: Int(size), seed: 11)

        let error = try #require(throws: RepositoryError.self) {
            try SnapshotCopier(repository: repository).copy(source: volume, size: size, snapshot: Scratch.snapshot("s-full"), ranges: nil)
        }
        #expect(error.kind == .noSpace && error.description.contains("No space left"))
        #expect(try repository.snapshotIds().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(repository.path)/tmp").isEmpty)
        let afterFailure = try repository.check(readData: true)
        #expect(afterFailure.isHealthy && afterFailure.chunksChecked > 0)

        guard mount("tmpfs", mountPoint, "tmpfs", UInt(MS_REMOUNT), "size=32m") == 0 else {
            Issue.record("remount tmpfs: \(String(cString: strerror(errno)))")
            return
        }
        let retry = try SnapshotCopier(repository: repository).copy(source: volume, size: size, snapshot: Scratch.snapshot("s-full"), ranges: nil)
        #expect(retry.chunksAlreadyStored == afterFailure.chunksChecked)
        let restored = try scratch.volume("restored", size: 0)
        _ = try SnapshotRestorer(repository: repository).restore(snapshotId: "s-full", to: restored)
        #expect(Scratch.digest(restored, size: size) == Scratch.digest(volume, size: size))
    }

    @Test func aReadOnlyRepositoryRestoresButRefusesWritersNamingThePath() throws {
        let scratch = try Scratch()
        guard let mountPoint = try Self.mountTmpfs(in: scratch, size: "8m") else { return }
        defer { umount(mountPoint) }
        let repository = try DirectoryRepository.create(at: "\(mountPoint)/repo")
        let volume = try scratch.volume("disk", size: 2 << 20)
        Scratch.write(volume, at: 0, length: 4096, seed: 12)
        _ = try SnapshotCopier(repository: repository).copy(source: volume, size: 2 << 20, snapshot: Scratch.snapshot("s-ro"), ranges: nil)
        guard mount("tmpfs", mountPoint, "tmpfs", UInt(MS_REMOUNT | MS_RDONLY), "size=8m") == 0 else {
            Issue.record("remount tmpfs read-only: \(String(cString: strerror(errno)))")
            return
        }
        let attached = try DirectoryRepository.open(at: repository.path)
        let error = try #require(throws: RepositoryError.self) {
            try SnapshotCopier(repository: attached).copy(source: volume, size: 2 << 20, snapshot: Scratch.snapshot("s-ro2"), ranges: nil)
        }
        #expect(error.kind == .notWritable && error.description.contains(repository.path))
        #expect(throws: RepositoryError.self) { try attached.prune() }
        let restored = try scratch.volume("restored", size: 0)
        _ = try SnapshotRestorer(repository: attached).restore(snapshotId: "s-ro", to: restored)
        #expect(Scratch.digest(restored, size: 2 << 20) == Scratch.digest(volume, size: 2 << 20))
        #expect(try attached.check(readData: true).isHealthy)
    }
}
