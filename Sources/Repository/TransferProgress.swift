import Foundation

/// Where a copy or a restore stands, handed to the caller's callback after
/// each chunk. The rate is the average since the start, measured: for a copy
/// at 25 % of a steady source it predicts the rest within a few per cent.
public struct TransferProgress: Equatable, Sendable {
    public var bytesDone: UInt64
    public var bytesTotal: UInt64
    /// Bytes per second so far; nil until some time has passed.
    public var bytesPerSecond: Double?
    /// Seconds left at that rate; nil while the rate is unknown.
    public var remainingSeconds: Double?

    /// Done as a fraction, 1 for an empty transfer.
    public var fraction: Double { bytesTotal == 0 ? 1 : Double(bytesDone) / Double(bytesTotal) }
}

/// Turns bytes done into `TransferProgress` with a rate from a monotonic clock.
struct ProgressMeter {
    let total: UInt64
    private let started = ContinuousClock.now
    private(set) var done: UInt64 = 0

    init(total: UInt64) { self.total = total }

    mutating func advance(by bytes: Int) { done += UInt64(bytes) }

    var progress: TransferProgress {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        guard seconds > 0.001, done > 0 else {
            return TransferProgress(bytesDone: done, bytesTotal: total, bytesPerSecond: nil, remainingSeconds: nil)
        }
        let rate = Double(done) / seconds
        return TransferProgress(bytesDone: done, bytesTotal: total, bytesPerSecond: rate,
                                remainingSeconds: Double(total - done) / rate)
    }
}
