import Foundation

/// A lock file a long-running piece of work (a copy, a restore) holds for as
/// long as its process lives, so that another dmsnap command can tell work in
/// progress from work a crash interrupted: the kernel drops the lock when
/// the process dies, even by kill -9.
final class WorkLease {
    private let descriptor: Int32

    /// Takes the lease on `path`, or nil when a live process holds it.
    init?(path: String) throws {
        _ = try StateDirectory.requireOwnFile(path)
        let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SnapshotsError(.internalError, "cannot open the lease \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
    }

    /// Whether a live process holds the lease on `path`.
    static func isHeld(_ path: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        return try WorkLease(path: path) == nil
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
