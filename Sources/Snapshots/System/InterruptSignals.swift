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

/// The first interrupt signal caught by `InterruptSignals.deferred`, 0 for none.
nonisolated(unsafe) private var deferredSignal: sig_atomic_t = 0

extension InterruptSignals {
    /// Runs `body` with the signals caught by a handler that only notes them,
    /// then restores their previous actions and raises the first one noted,
    /// so that the process stops as the signal would have stopped it, once
    /// `body`'s own clean-up is done. Unlike `heldBack`, this holds on every
    /// thread: a signal blocked on the calling thread is delivered to any
    /// thread that does not block it (Foundation's thread that watches child
    /// processes, made by an earlier `Process`), and its default action then
    /// ends the whole process. A child started meanwhile gets the default
    /// actions back at exec, so a Ctrl-C still stops a tool `body` runs.
    static func deferred<T>(during body: () throws -> T) rethrows -> T {
        deferredSignal = 0
        var noting = sigaction()
        noting.__sigaction_handler.sa_handler = { number in
            if deferredSignal == 0 { deferredSignal = number }
        }
        sigemptyset(&noting.sa_mask)
        var previous = Array<sigaction>(repeating: sigaction(), count: numbers.count)
        for (index, number) in numbers.enumerated() { sigaction(number, &noting, &previous[index]) }
        defer {
            for (index, number) in numbers.enumerated() { sigaction(number, &previous[index], nil) }
            if deferredSignal != 0 { raise(deferredSignal) }
        }
        return try body()
    }
}
