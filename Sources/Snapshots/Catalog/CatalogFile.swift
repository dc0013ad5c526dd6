import Foundation
import GRDB

/// The catalog's files on disk, checked before SQLite touches any of them.
///
/// A damaged header or a truncated file is recognised here, before SQLite
/// would misread it (an empty or short file looks like a new database to it).
/// What SQLite only finds later (a bad page deep in a table) is turned into
/// the same clear error by `damage(_:path:)`. The file is never written.
enum CatalogFile {
    static let name = "catalog.sqlite"
    /// SQLite's companions of a database file: each is a file SQLite writes.
    static let companions = ["-wal", "-shm", "-journal"]

    /// An empty file holds nothing to lose, like a missing one: a new catalog starts there.
    enum State: Equatable {
        case missing, empty, present
    }

    /// Every file is ours and regular, and the database looks whole.
    static func inspect(_ path: String) throws -> State {
        for companion in companions { _ = try StateDirectory.requireOwnFile(path + companion) }
        guard let size = try StateDirectory.requireOwnFile(path) else { return .missing }
        guard size > 0 else { return .empty }
        let walSize = (try StateDirectory.requireOwnFile(path + "-wal")) ?? 0
        if let problem = try headerProblem(path, size: size, hotWAL: walSize > 0) {
            throw damaged(path, problem)
        }
        return .present
    }

    /// What is wrong with the database's first 100 bytes, per
    /// https://www.sqlite.org/fileformat.html#the_database_header.
    private static func headerProblem(_ path: String, size: Int, hotWAL: Bool) throws -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SnapshotsError(.catalogDamaged, "cannot read the catalog \(path): \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        let header = [UInt8](try handle.read(upToCount: 100) ?? Data())
        guard header.count == 100 else { return "it is \(size) bytes long, shorter than an SQLite header" }
        guard header.starts(with: Array("SQLite format 3\0".utf8)) else { return "it does not start with an SQLite header" }
        func bigEndian(_ offset: Int, _ count: Int) -> Int { header[offset..<offset + count].reduce(0) { $0 << 8 | Int($1) } }
        let pageSize = bigEndian(16, 2) == 1 ? 65536 : bigEndian(16, 2)
        guard pageSize >= 512, pageSize <= 65536, pageSize & (pageSize - 1) == 0 else {
            return "its header gives an impossible page size (\(pageSize))"
        }
        // The in-header page count is only valid when the change counter matches
        // version-valid-for; a WAL not yet checkpointed may hold newer pages.
        let pages = bigEndian(28, 4)
        if !hotWAL, pages > 0, bigEndian(24, 4) == bigEndian(92, 4), size < pages * pageSize {
            return "it is truncated: \(size) bytes where its header records \(pages * pageSize)"
        }
        return nil
    }

    /// The error for a catalog that cannot be used as it is.
    static func damaged(_ path: String, _ problem: String) -> SnapshotsError {
        SnapshotsError(.catalogDamaged, """
            the catalog \(path) is damaged: \(problem). dmsnap will not repair or replace it. Restore it \
            from a backup, or move it aside with its -wal and -shm files and run `dmsnap recover --rebuild` \
            to rebuild it from what the kernel and LVM still know
            """)
    }

    /// What else the state directory holds: anything besides the catalog shows
    /// that dmsnap has used it (every mutating run leaves `lock`).
    static func otherEntries(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(name) }.sorted()
    }

    /// The error for a catalog gone from a directory dmsnap has used.
    static func missing(_ path: String, state: State, directoryHolds entries: [String]) -> SnapshotsError {
        let what = state == .empty ? "the catalog \(path) is empty" : "the catalog \(path) is missing"
        return SnapshotsError(.catalogMissing, """
            \(what), though dmsnap has used its directory before (it holds \(entries.joined(separator: ", "))). \
            dmsnap will not start an empty catalog on its own: the records of its pools, disks and snapshots \
            would silently vanish. Restore the catalog from a backup, or run `dmsnap recover` to start an \
            empty one (`dmsnap recover --rebuild` also fills it from the kernel and LVM)
            """)
    }

    /// The clear error for a failure of SQLite or of decoding a row, or nil
    /// when `error` is not one (a refusal of dmsnap's own passes through).
    static func damage(_ error: any Error, path: String) -> SnapshotsError? {
        switch error {
        case let error as DatabaseError:
            let what = error.message ?? "SQLite error \(error.resultCode.rawValue)"
            switch error.resultCode {
            case .SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_FORMAT:
                return damaged(path, what)
            case .SQLITE_FULL:
                return SnapshotsError(.catalogUnavailable, "cannot write the catalog \(path): the filesystem is full")
            case .SQLITE_READONLY:
                return SnapshotsError(.catalogUnavailable, "cannot write the catalog \(path): it or its filesystem is read-only")
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return SnapshotsError(.catalogUnavailable, "the catalog \(path) stayed locked by another dmsnap for too long; try again")
            default:
                return SnapshotsError(.catalogUnavailable, "cannot use the catalog \(path): \(what) (SQLite error \(error.resultCode.rawValue))")
            }
        case is RowDecodingError:
            return damaged(path, "a record in it cannot be read (\(String(describing: error).prefix(200)))")
        default:
            return nil
        }
    }
}
