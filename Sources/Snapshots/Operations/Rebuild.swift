import Foundation
import GRDB

/// What `recover --rebuild` put back, and what it could not.
public struct RebuildReport: Sendable {
    /// Per pool: its name and where its records came from.
    public var pools: [String] = []
    public var nativeDisks = 0, nativeSnapshots = 0, groups = 0
    public var lvmDisks = 0, lvmSnapshots = 0
    /// Thin devices that had no record, and the records they became.
    public var recovered: [String] = []
    /// Records of the manifests whose thin device is gone.
    public var dropped: [String] = []
    /// What could not be placed, and why.
    public var problems: [String] = []
    /// Pools found on the host that belong to another catalog, or to none
    /// that can be told, and why they were not taken.
    public var leftAlone: [String] = []
}

extension SnapshotService {
    /// Fills a new, empty catalog from what the pools and LVM still know
    /// (after the old catalog was lost, or damaged and moved aside): every
    /// native pool's manifest reconciled with its thin devices (`PoolRebuild`),
    /// then LVM's volumes by their tags and UUIDs. IDs are kept. A catalog that
    /// can be read and holds anything is refused before anything is touched.
    ///
    /// A pool is taken when it is this state directory's: its files are here,
    /// or its manifest names this directory. Another dmsnap state directory on
    /// the same host keeps its pools, and a pool that cannot be told apart (no
    /// readable manifest, on block devices) is only taken when `adopting`
    /// names it, as are pools whose manifest names a directory that moved.
    public func rebuildCatalog(adopting: Set<String> = []) throws -> RebuildReport {
        let lock = try OperationLock(stateDirectory: stateDirectory)
        defer { withExtendedLifetime(lock) {} }
        try requireEmptyCatalog()
        var report = RebuildReport()
        let (pools, problems, activated) = try PoolDiscovery(stateDirectory: stateDirectory, deviceMapper: deviceMapper).pools()
        report.problems += problems
        let unknown = adopting.subtracting(pools.map(\.name))
        guard unknown.isEmpty else {
            for pool in pools where activated.contains(pool.kernelName) { try? withdrawDiscoveredPool(pool) }
            throw SnapshotsError(.invalidPoolNotFound, """
                no dmsnap pool named \(unknown.sorted().joined(separator: ", ")) is active or has its files in \
                \(stateDirectory)/pools (found: \(pools.isEmpty ? "none" : pools.map(\.name).joined(separator: ", "))); \
                nothing was rebuilt
                """)
        }
        for found in pools {
            do {
                let taken = try rebuildPool(found, adopt: adopting.contains(found.name), into: &report)
                if !taken && activated.contains(found.kernelName) { try withdrawDiscoveredPool(found) }
            } catch {
                report.problems.append("pool \(found.name) was not rebuilt: \(error)")
                // What this rebuild activated for it goes again; a pool that was live stays as it was.
                if activated.contains(found.kernelName) {
                    do { try withdrawDiscoveredPool(found) } catch { report.problems.append("pool \(found.name): \(error)") }
                }
            }
        }
        if !lvmScope.isOff {
            _ = try withLVM { session in try discoverLVM(session) }
        }
        report.problems += try activateLocked().problems
        let counts = try catalog.read { db in
            let native = Column("backend") == Backend.native.rawValue
            return [try DiskRecord.filter(native).fetchCount(db), try SnapshotRecord.filter(native).fetchCount(db),
                    try DiskRecord.filter(!native).fetchCount(db), try SnapshotRecord.filter(!native).fetchCount(db),
                    try SnapshotGroupRecord.fetchCount(db)]
        }
        (report.nativeDisks, report.nativeSnapshots, report.lvmDisks, report.lvmSnapshots, report.groups) =
            (counts[0], counts[1], counts[2], counts[3], counts[4])
        return report
    }

    private func requireEmptyCatalog() throws {
        let counts = try catalog.read { db in
            [("pool", try PoolRecord.fetchCount(db)), ("disk", try DiskRecord.fetchCount(db)),
             ("snapshot", try SnapshotRecord.fetchCount(db)), ("snapshot group", try SnapshotGroupRecord.fetchCount(db)),
             ("unfinished operation", try IntentRecord.fetchCount(db))]
        }
        let held = counts.filter { $0.1 > 0 }
        guard held.isEmpty else {
            throw SnapshotsError(.recoveryNeeded, """
                the catalog \(catalog.path) can be read and holds \
                \(held.map { "\($0.1) \($0.0)\($0.1 == 1 ? "" : "s")" }.joined(separator: ", ")); \
                --rebuild only fills a new catalog, and changed nothing. If that catalog is wrong, move it aside \
                with its -wal and -shm files and run `dmsnap recover --rebuild` again
                """)
        }
    }

    /// Takes pool `found` into the catalog, or leaves it alone (and returns false).
    private func rebuildPool(_ found: PoolRecord, adopt: Bool, into report: inout RebuildReport) throws -> Bool {
        let native = nativePool(found)
        // The manifest first, and nothing else of a pool that may be another
        // catalog's: listing thin ids reserves the pool's metadata snapshot,
        // which that catalog's own dmsnap may be holding at this moment.
        let device = ManifestDevice(pool: native)
        let wasActive = try deviceMapper.info(device.name) != nil
        var manifest: PoolManifest?
        var source: String
        do {
            try device.activate(creating: false)
            let slots = try device.read()
            if let newest = ManifestSlot.newest(slots) {
                manifest = newest.manifest
                source = "manifest generation \(newest.generation), written at transaction \(newest.manifest.transactionId)"
            } else {
                source = "its manifest device \(device.path) holds no readable manifest (\(slots.map(Self.describe).joined(separator: "; "))); its thin devices are kept as recovered records"
            }
        } catch {
            source = "no manifest (thin device \(ManifestDevice.thinId) could not be read: \(error)); its thin devices are kept as recovered records"
        }
        if !adopt, let reason = foreignPoolReason(found, manifest: manifest, source: source) {
            if !wasActive { try? deviceMapper.remove(device.name) }
            report.leftAlone.append("\(found.name): \(reason); to take it into this catalog: dmsnap recover --rebuild --pool \(found.name)")
            return false
        }
        let thinIds = try native.thinIds()
        let transactionId = try native.transactionId()
        var rebuilt = PoolRebuild(found: found, manifest: manifest, thinIds: thinIds, volumes: try native.activeVolumes(),
                                  transactionId: transactionId)
        if rebuilt.pool.poolId.isEmpty {
            // Live as made before identities: it gets one, and its devices the names that carry it.
            rebuilt.pool.poolId = PoolRecord.newPoolId()
            try nativePool(rebuilt.pool).adoptLegacyDevices()
        }
        try catalog.write { [rebuilt] db in
            try rebuilt.pool.insert(db)
            for disk in rebuilt.disks { try disk.insert(db) }
            for snapshot in rebuilt.snapshots { try snapshot.insert(db) }
            // A group spanning pools is in each of their manifests.
            for group in rebuilt.groups where try !SnapshotGroupRecord.exists(db, key: group.id) { try group.insert(db) }
            try self.writeManifest(db, poolName: rebuilt.pool.name)
        }
        report.pools.append("\(found.name): \(source); the pool is at transaction \(transactionId)")
        report.recovered += rebuilt.recovered
        report.dropped += rebuilt.dropped
        return true
    }

    /// Removes what discovery activated for a file-backed pool this rebuild
    /// did not take: its manifest and pool devices, and its loop devices.
    private func withdrawDiscoveredPool(_ pool: PoolRecord) throws {
        try withdrawPoolDevices(pool)
        for file in [pool.dataFile, pool.metadataFile].compactMap({ $0 }) { try LoopDevice.detach(file: file) }
    }

    /// Why pool `found` is not this state directory's, or nil when it is.
    private func foreignPoolReason(_ found: PoolRecord, manifest: PoolManifest?, source: String) -> String? {
        if found.dataFile != nil { return nil }
        guard let owner = manifest?.stateDirectory else {
            return "it is on block devices and has \(manifest == nil ? source : "a manifest that names no state directory")"
        }
        return owner == Self.canonical(stateDirectory) ? nil : "its manifest says it belongs to the catalog in \(owner)"
    }

    private static func describe(_ slot: ManifestSlot.Content) -> String {
        switch slot {
        case .manifest(let generation, _): "generation \(generation)"
        case .blank: "blank"
        case .foreign: "not a dmsnap manifest"
        case .damaged(let why): why
        }
    }
}
