import Foundation

/// The state directory's lock: mutating invocations hold it exclusively for
/// their whole run, so multi-step operations never interleave.
///
/// Opened with O_NOFOLLOW, so a symlink planted in its place is refused, not followed.
public final class OperationLock {
    private let descriptor: Int32
    public let path: String

    /// Blocks until the lock is held. The kernel drops it when the process dies.
    public init(stateDirectory: String) throws {
        path = stateDirectory + "/lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SnapshotsError(.internalError, "cannot open the lock \(path): \(String(cString: strerror(errno)))")
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
