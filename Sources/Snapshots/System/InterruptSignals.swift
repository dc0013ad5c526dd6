import Foundation

/// The signals a user or a service manager sends to stop a command (Ctrl-C,
/// Ctrl-\, Ctrl-Z, `kill`, a closed terminal). While a device is suspended or a
/// filesystem frozen they are held back, so that stopping dmsnap waits for the
/// release instead of leaving the I/O held; they are delivered after it.
enum InterruptSignals {
    static let numbers = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP]

    /// Runs `body` with the signals blocked on this thread (libdispatch's worker
    /// threads block them already), then restores the previous mask, at which
    /// point any that arrived meanwhile are delivered.
    static func heldBack<T>(during body: () throws -> T) rethrows -> T {
        var blocked = sigset_t(), previous = sigset_t()
        sigemptyset(&blocked)
        for number in numbers { sigaddset(&blocked, number) }
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }
}
