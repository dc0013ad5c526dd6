import DeviceMapper
import Foundation

/// A second process that releases a group's holds if dmsnap dies or the
/// deadline passes while they are held. It is started before the first hold,
/// reads the journal, locks its memory, and waits on a pipe from the holder:
/// a byte "R" means everything was released; end-of-file without it means the
/// holder died (even by SIGKILL, since the kernel closes its end); the deadline
/// passing means the holder is stuck. In the last two cases it resumes every
/// device and thaws every filesystem in the journal itself.
public final class Guardian {
    /// How the guardian ended.
    public enum Outcome: Equatable, Sendable {
        /// The holder released everything in time.
        case clean
        /// The deadline passed and the guardian released the holds.
        case deadlinePassed
        /// The guardian died or could not release something.
        case failed(String)
    }

    static let releasedByte = UInt8(ascii: "R")
    static let holdingByte = UInt8(ascii: "H")
    static let readyByte = UInt8(ascii: "1")
    // Exit codes of the guardian process.
    static let exitClean: Int32 = 0
    static let exitHolderDied: Int32 = 2
    static let exitDeadline: Int32 = 3
    public static let exitReleaseFailed: Int32 = 4
    /// glibc's POSIX_SPAWN_SETSID, which Swift does not import.
    private static let spawnNewSession: Int16 = 0x80

    private let pid: pid_t
    private var toGuardian: Int32

    /// Starts `executable guardian JOURNAL` and waits until it has read the journal.
    public static func start(journalPath: String, executable: String = "/proc/self/exe") throws -> Guardian {
        var command = [Int32](repeating: -1, count: 2), ready = [Int32](repeating: -1, count: 2)
        guard pipe(&command) == 0, pipe(&ready) == 0 else {
            throw SnapshotsError(.internalError, "cannot make the guardian's pipes: \(String(cString: strerror(errno)))")
        }
        // Only the guardian's dup2'd copies may outlive the spawn.
        for descriptor in command + ready { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        defer { close(command[0]); close(ready[0]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, command[0], 0)
        posix_spawn_file_actions_adddup2(&actions, ready[1], 1)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own session: a Ctrl-C or hangup meant for dmsnap does not reach it.
        posix_spawnattr_setflags(&attributes, Self.spawnNewSession)
        let arguments = [executable, "guardian", journalPath]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, &argv, environ)
        guard status == 0 else {
            close(command[1]); close(ready[1])
            throw SnapshotsError(.internalError, "cannot start the guardian \(executable): \(String(cString: strerror(status)))")
        }
        close(ready[1])
        var byte: UInt8 = 0
        let count = read(ready[0], &byte, 1)
        guard count == 1, byte == readyByte else {
            close(command[1])
            var ignored: Int32 = 0
            waitpid(pid, &ignored, 0)
            throw SnapshotsError(.internalError, "the guardian did not start (it could not read \(journalPath)); nothing was held")
        }
        return Guardian(pid: pid, toGuardian: command[1])
    }

    private init(pid: pid_t, toGuardian: Int32) {
        self.pid = pid
        self.toGuardian = toGuardian
    }

    deinit { if toGuardian >= 0 { close(toGuardian) } }

    /// Arms the deadline: called just before the first hold, so that starting
    /// the guardian and locking memory do not eat into the window.
    public func holding() {
        var byte = Self.holdingByte
        _ = write(toGuardian, &byte, 1)
    }

    /// Tells the guardian whether everything is released and waits for it to
    /// end. Not released, it releases what is left itself, as if the holder had died.
    public func finish(released: Bool) -> Outcome {
        var byte = Self.releasedByte
        // A guardian that already released (deadline) has closed its end: EPIPE, not SIGPIPE.
        let previous = signal(SIGPIPE, SIG_IGN)
        if released { _ = write(toGuardian, &byte, 1) }
        signal(SIGPIPE, previous)
        close(toGuardian)
        toGuardian = -1
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        guard status & 0x7f == 0 else { return .failed("the guardian was killed by signal \(status & 0x7f)") }
        switch (status >> 8) & 0xff {
        case Self.exitClean: return .clean
        case Self.exitDeadline: return .deadlinePassed
        case Self.exitHolderDied: return .failed("dmsnap could not release everything; the guardian did")
        case let code: return .failed("the guardian exited \(code)")
        }
    }

    // MARK: The guardian process

    /// The guardian's whole life (`dmsnap guardian JOURNAL`); returns its exit code.
    public static func watch(journalPath: String) -> Int32 {
        for signalNumber in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT] { signal(signalNumber, SIG_IGN) }
        guard let journal = try? HoldJournal.read(journalPath) else { return exitReleaseFailed }
        // Nothing it needs may be paged in from a device that is held.
        if journal.lockMemory != false { mlockall(Int32(MCL_CURRENT | MCL_FUTURE)) }
        var ready = readyByte
        _ = write(1, &ready, 1)
        close(1)
        var poll = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
        // The journal's deadline is a length of time, counted from the holder's "H".
        let window = journal.deadline.timeIntervalSince(journal.written)
        var deadline: Date?
        while true {
            let remaining = deadline?.timeIntervalSinceNow ?? 60
            if remaining <= 0 { return releaseAfterDeadline(journal, journalPath) }
            let ready = Glibc.poll(&poll, 1, Int32(min(remaining * 1000, 60_000)) + 1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            var byte: UInt8 = 0
            let count = read(0, &byte, 1)
            if count == 1 && byte == holdingByte {
                deadline = Date().addingTimeInterval(window)
                continue
            }
            if count == 1 && byte == releasedByte {
                unlink(journalPath)
                return exitClean
            }
            // End of file: the holder died, perhaps holding.
            return release(journal, journalPath) ? exitHolderDied : exitReleaseFailed
        }
    }

    /// At the deadline: releases what is held, then stays until the holder
    /// ends (its "R" or its death), releasing again then. A hold still being
    /// taken at the deadline (a suspend waiting for in-flight I/O) cannot be
    /// released yet; the holder releases it once the kernel returns, and should
    /// the holder die first, the second pass does.
    private static func releaseAfterDeadline(_ journal: HoldJournal, _ journalPath: String) -> Int32 {
        release(journal, nil)
        var byte: UInt8 = 0
        while true {
            let count = read(0, &byte, 1)
            if count == 0 || (count == 1 && byte == releasedByte) || (count < 0 && errno != EINTR) { break }
        }
        return release(journal, journalPath) ? exitDeadline : exitReleaseFailed
    }

    /// Releases every hold in the journal, in reverse order, going on past a
    /// failure; removes the journal when all were released.
    @discardableResult
    public static func release(_ journal: HoldJournal, _ journalPath: String?, deviceMapper: DeviceMapper = DeviceMapper()) -> Bool {
        var allReleased = true
        for hold in journal.holds.reversed() {
            do {
                switch hold {
                case .suspend(let device, _):
                    if try deviceMapper.info(device)?.isSuspended == true { try deviceMapper.resume(device) }
                case .freezeFilesystem(let mountPoint, _):
                    try FilesystemFreeze.thaw(mountPoint)
                }
            } catch {
                allReleased = false
            }
        }
        if allReleased, let journalPath { unlink(journalPath) }
        return allReleased
    }
}
