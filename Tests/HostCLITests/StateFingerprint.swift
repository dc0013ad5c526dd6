import Foundation
import GRDB

/// Everything a dmsnap run could change on the host: each entry of the state
/// directory (type, mode, owner, bytes or link target), and the device
/// directories a command that reached the kernel would fill.
///
/// A catalog is compared by its rows and schema (`CatalogDump`), not its
/// bytes: opening a database pool writes one empty transaction (GRDB creates
/// and drops a table so that the WAL file is not empty), which bumps SQLite's
/// change counter and schema cookie without changing any record.
struct StateFingerprint {
    struct Entry: Equatable {
        let path: String
        let type: mode_t
        let mode: mode_t
        let owner: uid_t
        let content: [UInt8]
    }

    let entries: [Entry]
    /// Paths outside the state directory that must stay as they were.
    let watched: [String: [String]?]

    /// `watched` paths: their listing (or nil when absent) is part of the fingerprint.
    init(directory: String, watching watched: [String]) throws {
        var entries: [Entry] = []
        try Self.collect(directory, relative: "", into: &entries)
        self.entries = entries
        var listings: [String: [String]?] = [:]
        for path in watched { listings[path] = Self.listing(path) }
        self.watched = listings
    }

    private static func collect(_ directory: String, relative: String, into entries: inout [Entry]) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory + relative).sorted()
        for name in names {
            let path = relative + "/" + name
            var status = stat()
            guard lstat(directory + path, &status) == 0 else { throw POSIXFailure("lstat \(directory + path)") }
            let type = status.st_mode & S_IFMT
            var content: [UInt8] = []
            if type == S_IFREG {
                content = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + path)))
            } else if type == S_IFLNK {
                content = Array(((try? FileManager.default.destinationOfSymbolicLink(atPath: directory + path)) ?? "?").utf8)
            }
            entries.append(Entry(path: path, type: type, mode: status.st_mode & 0o7777, owner: status.st_uid, content: content))
            if type == S_IFDIR { try collect(directory, relative: path, into: &entries) }
        }
    }

    private static func listing(_ path: String) -> [String]? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        return (try? FileManager.default.contentsOfDirectory(atPath: path).sorted()) ?? ["(a file)"]
    }

    /// What differs, in words, for a failure message.
    func differences(from baseline: StateFingerprint) -> [String] {
        var found: [String] = []
        let before = Dictionary(uniqueKeysWithValues: baseline.entries.map { ($0.path, $0) })
        let after = Dictionary(uniqueKeysWithValues: entries.map { ($0.path, $0) })
        for path in Set(before.keys).union(after.keys).sorted() {
            switch (before[path], after[path]) {
            case (nil, _?): found.append("\(path) appeared")
            case (_?, nil): found.append("\(path) vanished")
            case let (old?, new?) where old != new:
                if old.type == new.type, old.mode == new.mode, old.owner == new.owner, path.hasSuffix(".sqlite") {
                    if CatalogDump.sameButCounters(old.content, new.content) { continue }
                    let (rowsBefore, rowsAfter) = (CatalogDump.rows(old.content), CatalogDump.rows(new.content))
                    if rowsBefore != rowsAfter { found.append("\(path): rows were \(rowsBefore); are \(rowsAfter)") }
                } else {
                    found.append("\(path) changed (mode \(String(old.mode, radix: 8)) → \(String(new.mode, radix: 8)), owner \(old.owner) → \(new.owner), \(old.content.count) → \(new.content.count) bytes)")
                }
            default: break
            }
        }
        for (path, listing) in watched.sorted(by: { $0.key < $1.key }) where baseline.watched[path] != listing {
            found.append("\(path) was \(String(describing: baseline.watched[path] ?? nil)), is \(String(describing: listing))")
        }
        return found
    }

    /// Puts the directory back as `self` recorded it, after a run that changed it.
    func restore(into directory: String) throws {
        try? FileManager.default.removeItem(atPath: directory)
        guard mkdir(directory, 0o700) == 0 else { throw POSIXFailure("mkdir \(directory)") }
        for entry in entries {
            let path = directory + entry.path
            switch entry.type {
            case S_IFDIR: guard mkdir(path, entry.mode) == 0 else { throw POSIXFailure("mkdir \(path)") }
            case S_IFLNK: guard symlink(String(decoding: entry.content, as: UTF8.self), path) == 0 else { throw POSIXFailure("symlink \(path)") }
            default:
                try Data(entry.content).write(to: URL(fileURLWithPath: path))
                chmod(path, entry.mode)
            }
        }
        chmod(directory, 0o700)
    }
}

/// The rows of every table of a catalog, read from a copy so the state
/// directory itself is never opened by the test.
enum CatalogDump {
    static func rows(_ bytes: [UInt8]) -> String {
        // A directory of its own: SQLite leaves -wal and -shm beside a read-only copy.
        let directory = NSTemporaryDirectory() + "dmsnap-dump-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            try Data(bytes).write(to: URL(fileURLWithPath: directory + "/catalog.sqlite"))
            return try rows(atPath: directory + "/catalog.sqlite").joined(separator: "; ")
        } catch {
            return "(unreadable: \(error))"
        }
    }

    /// Byte for byte the same but for the header's change counter (offset 24),
    /// schema cookie (40) and version-valid-for number (92): a quick "same
    /// rows" that spares most comparisons the dump.
    static func sameButCounters(_ first: [UInt8], _ second: [UInt8]) -> Bool {
        guard first.count == second.count, first.count >= 100 else { return false }
        let kept = [0..<24, 28..<40, 44..<92, 96..<first.count]
        return kept.allSatisfy { first[$0].elementsEqual(second[$0]) }
    }

    static func rows(atPath path: String) throws -> [String] {
        var configuration = Configuration()
        configuration.readonly = true
        let database = try DatabaseQueue(path: path, configuration: configuration)
        return try database.read { db in
            let schema = try Row.fetchAll(db, sql: "SELECT type, name, sql FROM sqlite_master ORDER BY name").map { "schema: \($0)" }
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            return try schema + tables.flatMap { table in
                try Row.fetchAll(db, sql: "SELECT * FROM \(table.quotedDatabaseIdentifier) ORDER BY rowid").map { "\(table): \($0)" }
            }
        }
    }
}
