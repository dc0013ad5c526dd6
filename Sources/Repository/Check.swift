import Foundation

/// What `check` found. Lists are capped at `listLimit` entries each; the counts are complete.
public struct RepositoryCheckReport: Equatable, Sendable {
    public static let listLimit = 1000

    public struct DamagedManifest: Equatable, Sendable {
        public var snapshotId: String
        public var reason: String
    }

    /// A chunk a manifest names that is not stored.
    public struct MissingChunk: Equatable, Sendable {
        public var snapshotId: String
        public var offset: UInt64
        public var chunk: String
    }

    /// A stored chunk whose content does not match its name.
    public struct DamagedChunk: Equatable, Sendable {
        public var chunk: String
        public var reason: String
    }

    public var manifestsChecked = 0
    public var damagedManifests: [DamagedManifest] = []
    public var chunksChecked = 0
    public var damagedChunks: [DamagedChunk] = []
    public var damagedChunkCount = 0
    public var missingChunks: [MissingChunk] = []
    public var missingChunkCount = 0

    public var isHealthy: Bool { damagedManifests.isEmpty && damagedChunkCount == 0 && missingChunkCount == 0 }
}

extension DirectoryRepository {
    /// Verifies every manifest (layout, identity, its own SHA-256); with
    /// `readData`, also decompresses and hashes every stored chunk and looks up
    /// every chunk each manifest names. Reads only: takes no lock.
    public func check(readData: Bool) throws -> RepositoryCheckReport {
        var report = RepositoryCheckReport()
        var intact: [String] = []
        for snapshotId in try snapshotIds() {
            report.manifestsChecked += 1
            do {
                _ = try manifest(snapshotId: snapshotId)
                intact.append(snapshotId)
            } catch let error as RepositoryError {
                switch error.kind {
                case .manifestNotFound: report.manifestsChecked -= 1
                case .manifestDamaged, .unknownFormat:
                    report.damagedManifests.append(.init(snapshotId: snapshotId, reason: error.message))
                default: throw error
                }
            }
        }
        guard readData else { return report }
        let store = ChunkStore(directory: chunksDirectory, temporaryDirectory: temporaryDirectory, chunkSize: chunkSize)
        let plain = ChunkBuffer(capacity: chunkSize)
        for firstByte in 0...255 {
            for (hash, name) in try store.chunks(inDirectoryOf: UInt8(firstByte)) {
                report.chunksChecked += 1
                if case .failure(.damaged(let reason)) = try store.read(hash, into: plain) {
                    report.damagedChunkCount += 1
                    if report.damagedChunks.count < RepositoryCheckReport.listLimit {
                        report.damagedChunks.append(.init(chunk: name, reason: reason))
                    }
                }
            }
        }
        for snapshotId in intact {
            guard let reader = try? reader(snapshotId: snapshotId) else { continue }
            while let entry = try reader.next() {
                guard try !store.contains(entry.hash) else { continue }
                report.missingChunkCount += 1
                if report.missingChunks.count < RepositoryCheckReport.listLimit {
                    report.missingChunks.append(.init(snapshotId: snapshotId, offset: entry.index * UInt64(chunkSize), chunk: entry.hash.hex))
                }
            }
        }
        return report
    }
}
