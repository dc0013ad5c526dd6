import Foundation

/// What `receiveSnapshot` made: the new disk and its snapshot, which carries the sent snapshot's ID.
public struct ReceivedStream: Sendable {
    public var header: StreamHeader
    public var disk: DiskRecord
    public var snapshot: SnapshotRecord
    public var tally: StreamTally
}

extension SnapshotService {
    /// Reads a send stream from `descriptor` into a new disk and snapshots it
    /// under the sent snapshot's ID, so that a later incremental stream based
    /// on it is received here too. A full stream makes an empty disk in
    /// `poolName` (default: as `createDisk`); an incremental one clones its
    /// base, which must be a snapshot here, and is refused before anything is
    /// made otherwise. A stream found truncated or altered deletes the disk;
    /// one a crash interrupts is deleted by the next command's recovery (its
    /// lease in `restores/`, as a restore's).
    public func receiveSnapshot(from descriptor: Int32, poolName: String?, name: String?) throws -> ReceivedStream {
        let reader = try StreamReader(descriptor: descriptor)
        let header = reader.header
        for id in [header.snapshotId] + (header.baseSnapshotId.map { [$0] } ?? []) {
            guard (try? ResourceID(parsing: id, as: .snapshot)) != nil else {
                throw StreamReader.refused("its header names \(UntrustedText.quoted(id, limit: 40)), not a snapshot ID")
            }
        }
        if try catalog.read({ db in try SnapshotRecord.exists(db, key: header.snapshotId) }) {
            throw SnapshotsError(.alreadyExists, "snapshot \(header.snapshotId) is already on this host: a stream is received once")
        }
        let description = "received snapshot \(header.snapshotId) of disk \(header.diskId) (\(UntrustedText.quoted(header.diskName, limit: 80)))"
        var make: (String) throws -> DiskRecord = { id in
            try self.createDisk(sizeBytes: header.volumeSizeBytes, name: name, description: description, poolName: poolName, id: id)
        }
        if let baseId = header.baseSnapshotId {
            guard let base = try catalog.read({ db in try SnapshotRecord.fetchOne(db, key: baseId) }) else {
                throw SnapshotsError(.invalidSnapshotIdNotFound, """
                    the stream of snapshot \(header.snapshotId) is incremental from snapshot \(baseId), which this host \
                    does not hold; receive that snapshot's stream first, or send a full one
                    """)
            }
            guard base.sourceDiskSizeBytes == header.volumeSizeBytes else {
                throw SnapshotsError(.invalidParameter, """
                    the stream of snapshot \(header.snapshotId) is of a \(header.volumeSizeBytes)-byte volume, \
                    but its base \(baseId) here has \(base.sourceDiskSizeBytes) bytes
                    """)
            }
            make = { id in try self.cloneDisk(fromSnapshot: baseId, name: name, description: description, poolName: poolName, id: id) }
        }
        let (disk, (tally, snapshot)) = try makingDisk(make, filling: { disk in
            let tally = try writeRecords(from: reader, to: disk, clearing: header.baseSnapshotId != nil)
            let snapshot = try takeSnapshot(diskId: disk.id, name: nil, description: description, retentionDays: nil,
                                            usageLimit: nil, id: header.snapshotId)
            return (tally, snapshot)
        })
        return ReceivedStream(header: header, disk: disk, snapshot: snapshot, tally: tally)
    }

    /// Applies the records to the disk's device up to a trailer that checks
    /// out. Zero records are written as zeros on a clone (`clearing`); a new
    /// disk reads zeros already.
    private func writeRecords(from reader: StreamReader, to disk: DiskRecord, clearing: Bool) throws -> StreamTally {
        let device = Self.writableDevice(of: disk)
        let target = open(device, O_WRONLY | O_CLOEXEC)
        guard target >= 0 else {
            throw SnapshotsError(.kernel, "cannot open disk \(disk.id)'s device \(device): \(String(cString: strerror(errno)))")
        }
        defer { close(target) }
        let zeros = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(StreamFormat.maximumDataLength), alignment: 4096)
        zeros.initializeMemory(as: UInt8.self, repeating: 0)
        defer { zeros.deallocate() }
        while true {
            switch try reader.next() {
            case .data(let offset, let bytes):
                try Self.writeFully(target, bytes, at: offset, device: device)
            case .zero(var offset, let length):
                guard clearing else { continue }
                let end = offset + length
                while offset < end {
                    let piece = Int(min(UInt64(zeros.count), end - offset))
                    try Self.writeFully(target, UnsafeRawBufferPointer(rebasing: zeros[0..<piece]), at: offset, device: device)
                    offset += UInt64(piece)
                }
            case .end(let tally):
                guard fsync(target) == 0 else {
                    throw SnapshotsError(.kernel, "cannot flush \(device): \(String(cString: strerror(errno)))")
                }
                return tally
            }
        }
    }

    private static func writeFully(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: UInt64, device: String) throws {
        var done = 0
        while done < bytes.count {
            let written = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                throw SnapshotsError(.kernel, "cannot write \(device) at byte \(offset + UInt64(done)): \(String(cString: strerror(errno)))")
            }
            done += written
        }
    }
}
