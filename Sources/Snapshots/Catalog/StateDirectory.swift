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

    /// Makes the directory when it is missing; returns whether it did.
    @discardableResult
    public static func prepare(_ path: String) throws -> Bool {
        guard path.hasPrefix("/") else {
            throw StateDirectoryError(path: path, reason: "it is not an absolute path")
        }
        let created = mkdir(path, 0o700) == 0
        if !created && errno != EEXIST {
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
        return created
    }

    /// Checks a file dmsnap keeps in the state directory before anything opens
    /// it: when it exists it must be a regular file of ours with one link. A
    /// symlink or hard link planted in its place would send dmsnap's writes to
    /// another file; dmsnap refuses instead of following it.
    ///
    /// Returns the file's size, or nil when it does not exist.
    static func requireOwnFile(_ path: String) throws -> Int? {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            if errno == ENOENT { return nil }
            throw StateDirectoryError(file: path, reason: String(cString: strerror(errno)))
        }
        try requireOwnFile(path, status)
        return Int(status.st_size)
    }

    /// The same check on an opened file's `fstat`, which closes the gap between
    /// the `lstat` and the `open`.
    static func requireOwnFile(_ path: String, descriptor: Int32) throws {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw StateDirectoryError(file: path, reason: String(cString: strerror(errno)))
        }
        try requireOwnFile(path, status)
    }

    private static func requireOwnFile(_ path: String, _ status: stat) throws {
        let advice = "dmsnap never follows links in its state directory; if you did not put it there, find out who did, then remove it"
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFLNK:
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { " to \($0)" } ?? ""
            throw StateDirectoryError(file: path, reason: "it is a symbolic link\(target); \(advice)")
        default:
            throw StateDirectoryError(file: path, reason: "it is not a regular file")
        }
        guard status.st_nlink == 1 else {
            throw StateDirectoryError(file: path, reason: "it has \(status.st_nlink) hard links, so writing it would change another file; \(advice)")
        }
        guard status.st_uid == geteuid() else {
            throw StateDirectoryError(file: path, reason: "it is owned by uid \(status.st_uid), not by uid \(geteuid())")
        }
    }
}

public struct StateDirectoryError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    /// A file in the state directory rather than the directory itself.
    public var isFile = false

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    init(file: String, reason: String) {
        self.init(path: file, reason: reason)
        isFile = true
    }

    public var description: String { "cannot use \(isFile ? "" : "state directory ")\(path): \(reason)" }
}
