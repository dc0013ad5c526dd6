import Foundation

/// A repository operation that failed: what failed, on which file or
/// directory, and why, in words an administrator can act on.
public struct RepositoryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, for callers that react differently to each.
    public enum Kind: Equatable, Sendable {
        /// The path does not exist.
        case missing
        /// The directory exists but holds no dmsnap repository (or something else).
        case notARepository
        /// A repository written by a newer dmsnap, in a format this one does not read.
        case unknownFormat(version: Int)
        /// The repository (or a file in it) cannot be written: permissions or a read-only mount.
        case notWritable
        /// The filesystem holding the repository is full.
        case noSpace
        /// Another writer holds the repository's lock.
        case locked(holder: String)
        /// Input refused before anything was touched.
        case invalidArgument
        case manifestNotFound(snapshotId: String)
        /// A copy of this snapshot is already committed.
        case manifestExists(snapshotId: String)
        /// A manifest whose own checksum, layout or identity does not hold.
        case manifestDamaged(snapshotId: String)
        /// A chunk the snapshot needs is not in the repository.
        case chunkMissing(snapshotId: String, offset: UInt64, chunk: String)
        /// A chunk whose content does not decompress to what its name (its SHA-256) says.
        case chunkDamaged(snapshotId: String, offset: UInt64, chunk: String)
        /// The source ended before the size the caller gave.
        case sourceTooShort
        /// Any other failed system call.
        case io
    }

    public let kind: Kind
    /// The file or directory concerned.
    public let path: String
    public let message: String
    /// The errno of the failed system call, 0 when there was none.
    public let errno: Int32

    public init(_ kind: Kind, path: String, message: String, errno: Int32 = 0) {
        self.kind = kind
        self.path = path
        self.message = message
        self.errno = errno
    }

    public var description: String { "\(path): \(message)" }

    /// A failed system call, classified by its errno.
    static func system(_ operation: String, path: String, errno code: Int32) -> RepositoryError {
        let reason = String(cString: strerror(code))
        let kind: Kind = switch code {
        case ENOENT: .missing
        case EACCES, EPERM, EROFS: .notWritable
        case ENOSPC, EDQUOT: .noSpace
        default: .io
        }
        return RepositoryError(kind, path: path, message: "\(operation) failed: \(reason)", errno: code)
    }

    static func damagedManifest(_ snapshotId: String, path: String, _ reason: String) -> RepositoryError {
        RepositoryError(.manifestDamaged(snapshotId: snapshotId), path: path,
                        message: "the manifest of snapshot \(snapshotId) is damaged: \(reason)")
    }
}
