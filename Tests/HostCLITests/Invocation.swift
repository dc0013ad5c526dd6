import Foundation

/// One run of a program with raw byte arguments, as a shell would start it.
///
/// Foundation's `Process` takes `[String]`, which cannot carry invalid UTF-8;
/// hostile input must reach dmsnap's `argv` byte for byte, so this spawns
/// with `posix_spawn` directly.
struct Invocation {
    struct Result {
        /// The exit status, when the program exited.
        let status: Int32?
        /// The signal that ended it, when one did.
        let signal: Int32?
        let output: [UInt8]
        let errors: [UInt8]
        let timedOut: Bool

        var errorText: String { String(decoding: errors, as: UTF8.self) }
        var outputText: String { String(decoding: output, as: UTF8.self) }
    }

    var executable: String
    var arguments: [[UInt8]]
    var environment: [String: String] = ProcessInfo.processInfo.environment
    /// A hang is a failure too: the program is killed after this long.
    var timeout: Duration = .seconds(120)

    init(_ executable: String, _ arguments: [[UInt8]]) {
        self.executable = executable
        self.arguments = arguments
    }

    init(_ executable: String, _ arguments: [String]) {
        self.init(executable, arguments.map { Array($0.utf8) })
    }

    private static let spawning = NSLock()

    func run() throws -> Result {
        // Pipes made and spawned under one lock, close-on-exec: another worker's
        // child never holds this one's pipes open (Glibc's pipe2 is not imported).
        Self.spawning.lock()
        var outputPipe: [Int32] = [0, 0], errorPipe: [Int32] = [0, 0]
        guard pipe(&outputPipe) == 0, pipe(&errorPipe) == 0 else {
            Self.spawning.unlock()
            throw POSIXFailure("pipe")
        }
        for descriptor in outputPipe + errorPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)

        // The child starts with default signal handling and nothing blocked,
        // whatever the test runner set for itself.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = CStringArray([Array(executable.utf8)] + arguments)
        let envp = CStringArray(environment.sorted { $0.key < $1.key }.map { Array("\($0.key)=\($0.value)".utf8) })
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv.pointers, envp.pointers)
        Self.spawning.unlock()
        close(outputPipe[1])
        close(errorPipe[1])
        guard spawned == 0 else {
            close(outputPipe[0])
            close(errorPipe[0])
            throw POSIXFailure("posix_spawn \(executable)", code: spawned)
        }
        let (output, errors, timedOut) = Self.drain(outputPipe[0], errorPipe[0], pid: pid, timeout: timeout)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WTERMSIG, which Swift does not import as functions.
        let signal = status & 0x7f
        return Result(status: signal == 0 ? (status >> 8) & 0xff : nil, signal: signal == 0 ? nil : signal,
                      output: output, errors: errors, timedOut: timedOut)
    }

    /// Reads both pipes until both close, so neither can fill up and block the
    /// child; kills the child at the deadline.
    private static func drain(_ output: Int32, _ errors: Int32, pid: pid_t, timeout: Duration) -> ([UInt8], [UInt8], Bool) {
        var collected: [[UInt8]] = [[], []]
        var open = [pollfd(fd: output, events: Int16(POLLIN), revents: 0), pollfd(fd: errors, events: Int16(POLLIN), revents: 0)]
        let deadline = ContinuousClock.now + timeout
        var timedOut = false
        var buffer = [UInt8](repeating: 0, count: 65536)
        while open.contains(where: { $0.fd >= 0 }) {
            let left = deadline - ContinuousClock.now
            if left <= .zero, !timedOut {
                timedOut = true
                kill(pid, SIGKILL)
            }
            let milliseconds = timedOut ? 1000 : Int32(min(left.components.seconds * 1000 + 1, 1000))
            guard poll(&open, nfds_t(open.count), milliseconds) >= 0 || errno == EINTR else { break }
            for index in open.indices where open[index].fd >= 0 && open[index].revents != 0 {
                let count = read(open[index].fd, &buffer, buffer.count)
                if count > 0 {
                    collected[index].append(contentsOf: buffer[..<count])
                } else if count == 0 || errno != EINTR {
                    close(open[index].fd)
                    open[index].fd = -1
                }
            }
        }
        return (collected[0], collected[1], timedOut)
    }
}

/// NUL-terminated copies of byte strings, as `argv` and `envp`, freed with the value.
private final class CStringArray {
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

    init(_ strings: [[UInt8]]) {
        pointers = .allocate(capacity: strings.count + 1)
        for (index, bytes) in strings.enumerated() {
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (offset, byte) in bytes.enumerated() { copy[offset] = CChar(bitPattern: byte) }
            copy[bytes.count] = 0
            pointers[index] = copy
        }
        pointers[strings.count] = nil
        count = strings.count
    }

    private let count: Int

    deinit {
        for index in 0..<count { pointers[index]?.deallocate() }
        pointers.deallocate()
    }
}

struct POSIXFailure: Error, CustomStringConvertible {
    let description: String
    init(_ what: String, code: Int32 = errno) { description = "\(what): \(String(cString: strerror(code)))" }
}
