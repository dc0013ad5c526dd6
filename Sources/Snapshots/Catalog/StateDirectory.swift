import Foundation

/// The state directory (default /var/lib/dmsnap): created 0700, and refused when
/// it is a symlink or not owned by root, so nobody can point dmsnap's catalog
/// or lock elsewhere.
public enum StateDirectory {
    public static let defaultPath = "/var/lib/dmsnap"

    /// `--state-dir`, else `DMSNAP_STATE_DIR`, else /var/lib/dmsnap.
    public static func resolve(_ option: String?) -> String {
        option ?? ProcessInfo.processInfo.environment["DMSNAP_STATE_DIR"] ?? defaultPath
    }

    public static func prepare(_ path: String) throws {
        guard path.hasPrefix("/") else {
            throw StateDirectoryError(path: path, reason: "it is not an absolute path")
        }
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw StateDirectoryError(path: path, reason: String(cString: strerror(errno)))
        }
        var status = stat()
        guard lstat(path, &status) == 0 else {
            throw StateDirectoryError(path: path, reason: String(cString: strerror(errno)))
        }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            throw StateDirectoryError(path: path, reason: "it is a symlink or not a directory")
        }
        guard status.st_uid == geteuid() else {
            throw StateDirectoryError(path: path, reason: "it is owned by uid \(status.st_uid), not by uid \(geteuid())")
        }
        if status.st_mode & 0o077 != 0 { chmod(path, 0o700) }
    }
}

public struct StateDirectoryError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot use state directory \(path): \(reason)" }
}
