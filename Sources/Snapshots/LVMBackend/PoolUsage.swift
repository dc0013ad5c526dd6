import Foundation
import LVM

/// How full a thin pool may be before dmsnap refuses to add a snapshot to it:
/// a snapshot shares every block at first, but each write to either side then
/// takes new space, and a thin pool that runs out stops all its volumes.
public struct PoolUsageLimit: Sendable, Equatable {
    /// Percent of data and of metadata, 1...100.
    public let percent: Double

    public static let `default` = PoolUsageLimit(unchecked: 95)
    /// Where an administrator sets it for every invocation.
    public static let environmentVariable = "DMSNAP_POOL_USAGE_LIMIT"

    public init(percent: Double) throws {
        guard percent.isFinite, (1...100).contains(percent) else {
            throw SnapshotsError(.invalidParameter, "the pool usage limit must be a percentage from 1 to 100, not \(percent)")
        }
        self.percent = percent
    }

    private init(unchecked percent: Double) { self.percent = percent }

    /// The limit from `DMSNAP_POOL_USAGE_LIMIT`, or the default of 95%.
    public static func fromEnvironment() throws -> PoolUsageLimit {
        guard let text = ProcessInfo.processInfo.environment[environmentVariable] else { return .default }
        guard let value = Double(text) else {
            throw SnapshotsError(.invalidParameter, "\(environmentVariable)=\(Validation.shown(text)) is not a percentage")
        }
        return try PoolUsageLimit(percent: value)
    }

    /// Refuses when the pool's data or metadata use is above the limit, with the figures.
    func check(pool: String, dataPercent: Double?, metadataPercent: Double?) throws {
        let over = [("data", dataPercent), ("metadata", metadataPercent)].compactMap { what, used -> String? in
            guard let used, used > percent else { return nil }
            return "\(what) \(String(format: "%.2f", used))%"
        }
        guard !over.isEmpty else { return }
        throw SnapshotsError(.insufficientSpace, """
            thin pool \(pool) is too full for another snapshot: \(over.joined(separator: ", ")) used, \
            above the limit of \(String(format: "%g", percent))%; extend the pool (lvextend) or delete \
            snapshots, or raise the limit (--pool-usage-limit, \(Self.environmentVariable))
            """)
    }
}
