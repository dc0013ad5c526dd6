import DeviceMapper
import Foundation

/// A thin pool's metadata snapshot (`reserve_metadata_snap`), held by dmsnap
/// for one scan of its block maps and released on every path: at the end of
/// the scan, on an error, after a signal (held back until the release), and
/// after kill -9 by the next command's recovery, through a record in the
/// state directory. A pool holds at most one metadata snapshot; one that
/// another program holds is never released (wyng drops any at start, and can
/// drop another tool's).
struct MetadataSnapshotLease {
    /// The devices of one pool: `poolDevice` takes the messages (a native
    /// pool's device, or LVM's `VG-POOL-tpool`); the tools read
    /// `metadataDevice` (the native pool's metadata device, or LVM's `VG-POOL_tmeta`).
    struct Pool: Codable, Equatable {
        var name: String
        var poolDevice: String
        var metadataDevice: String
    }

    /// What the state directory keeps while a lease may be held: written
    /// before the reserve message (without a root) and again once the pool
    /// reports the root it froze. Recovery releases the pool's metadata
    /// snapshot only when the pool still holds that recorded root.
    struct Record: Codable, Equatable {
        var pool: Pool
        var heldRoot: UInt64?
        var processId: Int32
    }

    static let recordPrefix = "metadata-snapshot-"

    /// How long a metadata snapshot someone else holds is waited for.
    static let waitForOtherHolder: TimeInterval = 3

    let pool: Pool
    let stateDirectory: String
    let deviceMapper: DeviceMapper

    var recordPath: String { "\(stateDirectory)/\(Self.recordPrefix)\(pool.poolDevice).json" }

    /// Reserves the pool's metadata snapshot, runs `scan`, and releases it.
    /// An interrupt signal meanwhile takes effect once the metadata snapshot
    /// is released, never between (`InterruptSignals.deferred`); a Ctrl-C
    /// also stops the tool, which ends the scan at once.
    func holding<T>(_ scan: () throws -> T) throws -> T {
        try waitUntilNobodyHolds()
        return try InterruptSignals.deferred {
            try write(Record(pool: pool, heldRoot: nil, processId: getpid()))
            do {
                try deviceMapper.send(.reserveMetadataSnapshot, toPool: pool.poolDevice)
            } catch {
                unlink(recordPath)
                throw SnapshotsError(.poolInUse, "cannot reserve the metadata snapshot of pool \(pool.name) (\(pool.poolDevice)): \(error)")
            }
            let root: UInt64
            do {
                guard let held = try deviceMapper.thinPoolStatus(pool.poolDevice).details?.heldMetadataRoot else {
                    throw SnapshotsError(.kernel, "pool \(pool.name) reports no held metadata root right after reserve_metadata_snap")
                }
                root = held
                try write(Record(pool: pool, heldRoot: root, processId: getpid()))
            } catch {
                // Reserved a moment ago under the operation lock: ours.
                try? deviceMapper.send(.releaseMetadataSnapshot, toPool: pool.poolDevice)
                unlink(recordPath)
                throw error
            }
            defer { release(root) }
            CrashPoint.reach("metadataSnapshotHeld")
            return try scan()
        }
    }

    /// Releases the pool's metadata snapshot if it is still the one we froze.
    /// The record stays when the release fails, for recovery to retry.
    private func release(_ root: UInt64) {
        if Self.releaseIfHeld(root, pool: pool, deviceMapper: deviceMapper) { unlink(recordPath) }
    }

    /// Sends `release_metadata_snap` when the pool holds exactly `root`; says
    /// whether the pool is now free of it (released, or no longer held).
    static func releaseIfHeld(_ root: UInt64, pool: Pool, deviceMapper: DeviceMapper) -> Bool {
        guard let status = try? deviceMapper.thinPoolStatus(pool.poolDevice) else { return false }
        guard status.details?.heldMetadataRoot == root else { return true }
        return (try? deviceMapper.send(.releaseMetadataSnapshot, toPool: pool.poolDevice)) != nil
    }

    /// After kill -9: releases each metadata snapshot a record in the state
    /// directory says dmsnap froze and the pool still holds, and drops the
    /// record. Call with the operation lock held: then no lease of this state
    /// directory is live. A record without a root (killed between its write
    /// and the pool's answer) leaves the pool alone, since a root dmsnap did
    /// not record may be another program's; a pool that is not active keeps
    /// its record until it is (its metadata keeps the root across a reboot).
    static func releaseAbandoned(stateDirectory: String, deviceMapper: DeviceMapper) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? []
        var released: [String] = []
        for name in names where name.hasPrefix(recordPrefix) && name.hasSuffix(".json") {
            let path = "\(stateDirectory)/\(name)"
            guard let data = FileManager.default.contents(atPath: path),
                  let record = try? JSONDecoder().decode(Record.self, from: data) else {
                unlink(path)
                continue
            }
            guard (try? deviceMapper.info(record.pool.poolDevice)) != nil else { continue }
            guard let root = record.heldRoot else {
                unlink(path)
                continue
            }
            let wasHeld = (try? deviceMapper.thinPoolStatus(record.pool.poolDevice).details?.heldMetadataRoot) == root
            if releaseIfHeld(root, pool: record.pool, deviceMapper: deviceMapper) {
                unlink(path)
                if wasHeld { released.append("metadata snapshot of pool \(record.pool.name) (\(record.pool.poolDevice))") }
            }
        }
        return released
    }

    /// Polls the pool's status until no metadata snapshot is held, for a few
    /// seconds, then names the pool and the holder's root. Also refuses a pool
    /// that has failed or turned read-only: it refuses messages.
    private func waitUntilNobodyHolds() throws {
        let deadline = Date().addingTimeInterval(Self.waitForOtherHolder)
        while true {
            let status = try deviceMapper.thinPoolStatus(pool.poolDevice)
            guard let details = status.details, status.mode != .readOnly else {
                throw SnapshotsError(.poolInUse, """
                    pool \(pool.name) (\(pool.poolDevice)) is \(status.details == nil ? "failed" : "read-only") and refuses \
                    the metadata snapshot a block map needs; check and repair it first
                    """)
            }
            guard let held = details.heldMetadataRoot else { return }
            if Date() >= deadline {
                throw SnapshotsError(.poolInUse, """
                    another program holds the metadata snapshot of pool \(pool.name) (\(pool.poolDevice), held metadata \
                    root \(held)), and a pool has only one; dmsnap waited \(Int(Self.waitForOtherHolder)) s and does not \
                    release another program's. Try again when it is done (if nothing uses it, `dmsetup message \
                    \(pool.poolDevice) 0 release_metadata_snap` releases it)
                    """)
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// Replaces the record atomically (temporary file, fsync, rename), so a
    /// crash leaves the old record or the new one, never half of one.
    private func write(_ record: Record) throws {
        let temporary = recordPath + ".new"
        unlink(temporary)
        let data = try JSONEncoder().encode(record)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Self.failure("create", temporary) }
        let written = data.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        let synced = written == data.count && fsync(descriptor) == 0
        close(descriptor)
        guard synced, rename(temporary, recordPath) == 0 else {
            unlink(temporary)
            throw Self.failure("write", recordPath)
        }
        let directory = open(stateDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    private static func failure(_ operation: String, _ path: String) -> SnapshotsError {
        SnapshotsError(.catalogUnavailable, "cannot \(operation) \(path): \(String(cString: strerror(errno)))")
    }
}
