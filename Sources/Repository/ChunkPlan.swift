/// Which chunks a copy reads: those that intersect the caller's byte ranges
/// (thin-mapped ranges for a full copy, changed ranges for an incremental
/// one), as ascending, disjoint runs of chunk indices. Ranges may come in any
/// order, overlap, or reach past the volume's end (clamped).
struct ChunkPlan {
    let runs: [Range<UInt64>]
    let chunkSize: UInt64
    let volumeSize: UInt64

    init(ranges: [Range<UInt64>]?, chunkSize: Int, volumeSize: UInt64) {
        self.chunkSize = UInt64(chunkSize)
        self.volumeSize = volumeSize
        let chunkCount = (volumeSize + UInt64(chunkSize) - 1) / UInt64(chunkSize)
        guard let ranges else {
            runs = chunkCount > 0 ? [0..<chunkCount] : []
            return
        }
        let chunkRuns = ranges.compactMap { range -> Range<UInt64>? in
            let upper = min(range.upperBound, volumeSize)
            guard range.lowerBound < upper else { return nil }
            return (range.lowerBound / UInt64(chunkSize))..<((upper - 1) / UInt64(chunkSize) + 1)
        }.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [Range<UInt64>] = []
        for run in chunkRuns {
            if let last = merged.last, run.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, run.upperBound)
            } else {
                merged.append(run)
            }
        }
        runs = merged
    }

    func length(ofChunk index: UInt64) -> Int { Int(min(chunkSize, volumeSize - index * chunkSize)) }

    /// The bytes the copy will read.
    var totalBytes: UInt64 {
        runs.reduce(0) { total, run in
            total + (run.upperBound - run.lowerBound - 1) * chunkSize + UInt64(length(ofChunk: run.upperBound - 1))
        }
    }
}
