import Foundation

/// What a group holds, written to /run/dmsnap before the first hold so that
/// the guardian, or `dmsnap recover` after a crash of both, can release it.
/// /run is a tmpfs: a reboot releases everything anyway and clears the journal.
public struct HoldJournal: Codable, Sendable, Equatable {
    public static let directory = "/run/dmsnap"

    public var holds: [FreezePlan.Hold]
    /// The process that holds them.
    public var holderPID: Int32
    /// When the journal was written, and the deadline as of then: the
    /// guardian allows the same length of time from the first hold.
    public var written = Date()
    public var deadline: Date
    /// Whether the guardian locks its memory too (`MemoryLock`); absent in a
    /// journal of an older dmsnap, which always locked.
    public var lockMemory: Bool?

    /// Writes the journal (0600, never through a symlink) and returns its path.
    /// The name is new for every hold: one process may hold several groups at
    /// once (each of its own state directory), and each guardian must find
    /// its own journal, nor may one hold remove another's.
    func write(directory: String = Self.directory) throws -> String {
        try Self.prepareDirectory(directory)
        let path = "\(directory)/hold-\(holderPID)-\(String(UInt64.random(in: 1...UInt64.max), radix: 36)).json"
        let data = try JSONEncoder().encode(self)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Self.failure("create", path) }
        defer { close(descriptor) }
        let written = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == data.count, fsync(descriptor) == 0 else { throw Self.failure("write", path) }
        return path
    }

    static func read(_ path: String) throws -> HoldJournal {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open", path) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        return try JSONDecoder().decode(HoldJournal.self, from: handle.readDataToEndOfFile())
    }

    /// Journals left behind: their holder and its guardian both died.
    static func leftovers(directory: String = Self.directory) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter(isJournalName).sorted().map { "\(directory)/\($0)" }
    }

    /// Whether `name` is a journal's file name, as `write` makes them: hold-PID-TOKEN.json.
    public static func isJournalName(_ name: String) -> Bool {
        guard name.hasPrefix("hold-"), name.hasSuffix(".json") else { return false }
        let parts = name.dropFirst(5).dropLast(5).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 13 }) else { return false }
        return parts[0].allSatisfy { $0.isASCII && $0.isNumber }
            && parts[1].allSatisfy { $0.isASCII && ($0.isNumber || $0.isLowercase) }
    }

    /// /run/dmsnap, 0700 and owned by root; a symlink or someone else's directory is refused.
    static func prepareDirectory(_ directory: String) throws {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST { throw failure("create", directory) }
        var status = stat()
        guard lstat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR, status.st_uid == geteuid() else {
            throw SnapshotsError(.internalError, "\(directory) is a symlink, not a directory, or not owned by root; remove it")
        }
    }

    private static func failure(_ what: String, _ path: String) -> SnapshotsError {
        SnapshotsError(.internalError, "cannot \(what) \(path): \(String(cString: strerror(errno)))")
    }
}

extension FreezePlan.Hold: Codable {
    private enum CodingKeys: String, CodingKey { case kind, device, mountPoint, lockfs }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let device = try container.decode(String.self, forKey: .device)
        switch try container.decode(String.self, forKey: .kind) {
        case "freeze": self = .freezeFilesystem(mountPoint: try container.decode(String.self, forKey: .mountPoint), device: device)
        default: self = .suspend(device: device, lockfs: try container.decode(Bool.self, forKey: .lockfs))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .freezeFilesystem(let mountPoint, let device):
            try container.encode("freeze", forKey: .kind)
            try container.encode(mountPoint, forKey: .mountPoint)
            try container.encode(device, forKey: .device)
        case .suspend(let device, let lockfs):
            try container.encode("suspend", forKey: .kind)
            try container.encode(device, forKey: .device)
            try container.encode(lockfs, forKey: .lockfs)
        }
    }
}
