import Foundation

/// The state directory's lock: mutating invocations hold it exclusively for
/// their whole run, so multi-step operations never interleave.
///
/// A symlink, hard link or device planted in its place is refused, not
/// followed: checked before the open (so a device node is never opened),
/// with O_NOFOLLOW, and on the opened file.
public final class OperationLock {
    private let descriptor: Int32
    public let path: String

    /// Blocks until the lock is held. The kernel drops it when the process dies.
    public init(stateDirectory: String) throws {
        path = stateDirectory + "/lock"
        _ = try StateDirectory.requireOwnFile(path)
        let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SnapshotsError(.internalError, "cannot open the lock \(path): \(String(cString: strerror(errno)))")
        }
        do {
            try StateDirectory.requireOwnFile(path, descriptor: descriptor)
        } catch {
            close(descriptor)
            throw error
        }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw SnapshotsError(.internalError, "cannot lock \(path): \(reason)")
            }
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
