import Foundation

/// The state directory (default /var/lib/dmsnap): created 0700, and refused
/// when it is a symlink, not owned by root, or writable by anyone else, or
/// when a directory on its path is writable by anyone but root (other than
/// sticky and root's own, as /tmp is), so nobody can point dmsnap's catalog,
/// lock or pool files elsewhere, or plant links in it. dmsnap never changes
/// the mode of a directory it did not make: a wrong one is refused, saying why.
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
        try requireSafeAncestors(of: path)
        let created = mkdir(path, 0o700) == 0
        if !created && errno != EEXIST {
            throw StateDirectoryError(path: path, reason: String(cString: strerror(errno)))
        }
        try requirePrivateDirectory(path) { StateDirectoryError(path: path, reason: $0) }
        return created
    }

    /// Makes `path`, a directory inside the state directory, 0700; with
    /// `existing`, one already there is used when it passes the same checks.
    /// A link in its place is refused, never followed.
    static func makePrivateDirectory(_ path: String, existing: Bool) throws {
        if mkdir(path, 0o700) != 0 && !(existing && errno == EEXIST) {
            throw StateDirectoryError(file: path, reason: String(cString: strerror(errno)))
        }
        try requirePrivateDirectory(path) { StateDirectoryError(file: path, reason: $0) }
    }

    /// A directory (not a link to one), ours, and writable by nobody else.
    static func requirePrivateDirectory(_ path: String, error: (String) -> StateDirectoryError) throws {
        var status = stat()
        guard lstat(path, &status) == 0 else { throw error(String(cString: strerror(errno))) }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: break
        case S_IFLNK:
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { " to \($0)" } ?? ""
            throw error("it is a symbolic link\(target); dmsnap never follows links in its state directory; if you did not put it there, find out who did, then remove it")
        default: throw error("it is not a directory")
        }
        guard status.st_uid == geteuid() else {
            throw error("it is owned by uid \(status.st_uid), not by uid \(geteuid())")
        }
        guard status.st_mode & 0o022 == 0 else {
            throw error("""
                it is writable by \(status.st_mode & 0o002 != 0 ? "anyone" : "its group, gid \(status.st_gid),") \
                (mode \(String(status.st_mode & 0o7777, radix: 8))), so another user could plant files or links in it; \
                dmsnap does not change its mode itself: if it should be root's alone, `chmod go-w \(path)`
                """)
        }
    }

    /// Every directory above `path` must be root's (or this user's) and
    /// writable by nobody else, unless it is sticky and root's (/tmp): there
    /// others may add entries but not rename or remove root's.
    private static func requireSafeAncestors(of path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        guard let resolved = realpath(parent.isEmpty ? "/" : parent, nil) else {
            throw StateDirectoryError(path: path, reason: "its parent \(parent): \(String(cString: strerror(errno)))")
        }
        var ancestor = String(cString: resolved)
        free(resolved)
        while true {
            var status = stat()
            guard lstat(ancestor, &status) == 0 else {
                throw StateDirectoryError(path: path, reason: "\(ancestor) on its path: \(String(cString: strerror(errno)))")
            }
            let owner = status.st_uid, mode = status.st_mode & 0o7777
            if owner != 0 && owner != geteuid() {
                throw StateDirectoryError(path: path, reason: """
                    the directory \(ancestor) on its path is owned by uid \(owner), who could replace what is in it; \
                    use a state directory whose every parent is root's
                    """)
            }
            if mode & 0o022 != 0 && !(mode & S_ISVTX != 0 && owner == 0) {
                throw StateDirectoryError(path: path, reason: """
                    the directory \(ancestor) on its path is writable by \(mode & 0o002 != 0 ? "anyone" : "its group, gid \(status.st_gid),") \
                    (mode \(String(mode, radix: 8)), not sticky), so another user could rename it away and put their own in its \
                    place; use a state directory whose every parent only root can write, or make \(ancestor) sticky
                    """)
            }
            if ancestor == "/" { return }
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
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
