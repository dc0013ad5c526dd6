import Foundation
import GRDB
import LVM

extension SnapshotService {
    /// Runs `body` with a fresh liblvm2cmd session, turning LVM's failures
    /// into `SnapshotsError`s that keep LVM's own words.
    func withLVM<T>(_ body: (LVMSession) throws -> T) throws -> T {
        do {
            let session = try LVMSession()
            defer { session.close() }
            return try body(session)
        } catch let error as LVMError {
            throw SnapshotsError(lvm: error)
        }
    }

    /// Brings the catalog up to date with LVM: every thin or thick LV gets a
    /// `d-` ID, every thin snapshot an `s-` ID (kept by LV UUID), names follow
    /// renames, and records whose LV is gone are marked missing, never dropped.
    /// Call with the operation lock held.
    @discardableResult
    func discoverLVM(_ session: LVMSession) throws -> LVMInventory {
        let first = try lvm { try LVMInventory.read(session, scope: lvmScope) }
        let inventory = try renameFinishedRollbackCopies(session, first)
            ? try lvm { try LVMInventory.read(session, scope: lvmScope) } : first
        let now = Date()
        try catalog.write { db in
            var disks = try DiskRecord.filter(Column("backend") == Backend.lvm.rawValue).fetchAll(db)
            var snapshots = try SnapshotRecord.filter(Column("backend") == Backend.lvm.rawValue).fetchAll(db)
            let volumes = inventory.volumes.map { ($0, LVMInventory.role(of: $0)) }

            for case let (volume, .disk) in volumes {
                if let index = disks.firstIndex(where: { $0.lvUuid == volume.uuid }) {
                    try Self.refresh(&disks[index], from: volume, db)
                } else {
                    disks.append(try Self.registerDisk(volume, at: now, db))
                }
            }
            for case let (volume, .snapshot) in volumes {
                if let index = snapshots.firstIndex(where: { $0.lvUuid == volume.uuid }) {
                    try Self.refresh(&snapshots[index], from: volume, db)
                } else if let adopted = try Self.adoptOrRegisterSnapshot(volume, inventory: inventory, disks: disks,
                                                                          snapshots: snapshots, at: now, db) {
                    snapshots.removeAll { $0.id == adopted.id }
                    snapshots.append(adopted)
                }
            }
            let present = Set(inventory.volumes.map(\.uuid))
            let scope = lvmScope
            disks.removeAll { !scope.contains($0.volumeGroup) }
            snapshots.removeAll { !scope.contains($0.volumeGroup) }
            for var disk in disks where disk.missingSince == nil && !present.contains(disk.lvUuid ?? "") {
                disk.missingSince = now
                try disk.update(db)
            }
            // A released snapshot's LV was removed by dmsnap on purpose: not missing.
            for var snapshot in snapshots where snapshot.missingSince == nil && !snapshot.isReleased && !present.contains(snapshot.lvUuid ?? "") {
                snapshot.missingSince = now
                try snapshot.update(db)
            }
        }
        return inventory
    }

    /// A deferred rollback leaves the snapshot's copy under a temporary name
    /// (`NAME_rN`) while LVM keeps the old LV, hidden, until the disk's next
    /// activation merges it. Once merged, the copy takes the old name back.
    /// Best effort: a name LVM still holds is left for a later run.
    private func renameFinishedRollbackCopies(_ session: LVMSession, _ inventory: LVMInventory) throws -> Bool {
        let copies = try catalog.read { db in
            try SnapshotRecord.filter(Column("backend") == Backend.lvm.rawValue && Column("logicalVolume").like("%\\_r%", escape: "\\")).fetchAll(db)
        }
        var renamed = false
        for snapshot in copies {
            guard let name = snapshot.logicalVolume, let original = Self.nameBeforeRollback(name),
                  let copy = snapshot.lvUuid.flatMap(inventory.volume(uuid:)),
                  inventory.volume(copy.volumeGroup, original) == nil,
                  let originName = copy.origin, let origin = inventory.volume(copy.volumeGroup, originName),
                  !origin.attributes.isMergingOrigin else { continue }
            do {
                try session.renameLogicalVolume(try Self.qualified(copy), to: try LVMName(logicalVolume: original))
            } catch {
                continue
            }
            try catalog.write { db in
                if var record = try SnapshotRecord.fetchOne(db, key: snapshot.id) {
                    record.logicalVolume = original
                    try record.update(db)
                }
            }
            renamed = true
        }
        return renamed
    }

    /// `NAME` of `NAME_rN`, the name `copyName(of:intent:)` gives.
    static func nameBeforeRollback(_ name: String) -> String? {
        guard let range = name.range(of: "_r[0-9]+$", options: .regularExpression), range.lowerBound > name.startIndex else { return nil }
        return String(name[..<range.lowerBound])
    }

    private static func refresh(_ disk: inout DiskRecord, from volume: LogicalVolume, _ db: Database) throws {
        let updated = DiskRecord.lvm(disk, volume)
        guard updated != disk else { return }
        disk = updated
        try disk.update(db)
    }

    private static func refresh(_ snapshot: inout SnapshotRecord, from volume: LogicalVolume, _ db: Database) throws {
        var updated = snapshot
        updated.volumeGroup = volume.volumeGroup
        updated.logicalVolume = volume.name
        updated.missingSince = nil
        guard updated != snapshot else { return }
        snapshot = updated
        try snapshot.update(db)
    }

    private static func registerDisk(_ volume: LogicalVolume, at now: Date, _ db: Database) throws -> DiskRecord {
        // A clone dmsnap made carries its ID as a tag; a crash may have kept it from the catalog.
        let tagged = LVMInventory.taggedID(volume, kind: .disk)
        let id = try tagged.flatMap { try DiskRecord.exists(db, key: $0) ? nil : $0 } ?? ResourceID.generate(.disk).rawValue
        let template = DiskRecord(id: id, name: volume.name, description: "", poolName: "", thinId: 0,
                                  sizeBytes: volume.size, createdAt: now, sourceSnapshotId: nil)
        let disk = DiskRecord.lvm(template, volume)
        try disk.insert(db)
        return disk
    }

    /// A snapshot LV the catalog does not know by UUID: one dmsnap tagged (the
    /// copy a rollback keeps, or a catalog that lost it), or one made outside.
    private static func adoptOrRegisterSnapshot(
        _ volume: LogicalVolume, inventory: LVMInventory, disks: [DiskRecord], snapshots: [SnapshotRecord],
        at now: Date, _ db: Database
    ) throws -> SnapshotRecord? {
        if let id = LVMInventory.taggedID(volume, kind: .snapshot), var known = try SnapshotRecord.fetchOne(db, key: id) {
            // Two LVs carry the ID only while a rollback runs; the record keeps its LV until then.
            if let current = known.lvUuid, inventory.volume(uuid: current) != nil { return nil }
            known.lvUuid = volume.uuid
            known.volumeGroup = volume.volumeGroup
            known.logicalVolume = volume.name
            known.missingSince = nil
            try known.update(db)
            return known
        }
        let taggedID = LVMInventory.taggedID(volume, kind: .snapshot)
        let diskId = sourceDisk(of: volume, inventory: inventory, disks: disks, snapshots: snapshots)
        let snapshot = SnapshotRecord(
            id: taggedID ?? ResourceID.generate(.snapshot).rawValue, name: volume.name, description: "",
            diskId: diskId ?? "", poolName: volume.pool.map { "\(volume.volumeGroup)/\($0)" } ?? "", thinId: 0,
            sourceDiskSizeBytes: volume.size, createdAt: now, modifiedAt: now, retentionDays: nil, groupId: nil,
            holdWindowMicroseconds: 0, backend: .lvm, lvUuid: volume.uuid, volumeGroup: volume.volumeGroup,
            logicalVolume: volume.name, madeOutside: taggedID == nil)
        try snapshot.insert(db)
        return snapshot
    }

    /// The disk a snapshot LV was taken of: its origin, or its origin's disk
    /// when it is a snapshot of a snapshot.
    private static func sourceDisk(of volume: LogicalVolume, inventory: LVMInventory,
                                   disks: [DiskRecord], snapshots: [SnapshotRecord]) -> String? {
        guard let originName = volume.origin?.trimmingCharacters(in: CharacterSet(charactersIn: "[]")),
              let origin = inventory.volume(volume.volumeGroup, originName) else { return nil }
        if let disk = disks.first(where: { $0.lvUuid == origin.uuid }) { return disk.id }
        return snapshots.first(where: { $0.lvUuid == origin.uuid })?.diskId
    }
}

extension DiskRecord {
    /// `disk` with what LVM says of `volume` now.
    static func lvm(_ disk: DiskRecord, _ volume: LogicalVolume) -> DiskRecord {
        var disk = disk
        disk.backend = .lvm
        disk.lvUuid = volume.uuid
        disk.volumeGroup = volume.volumeGroup
        disk.logicalVolume = volume.name
        disk.poolName = volume.pool.map { "\(volume.volumeGroup)/\($0)" } ?? ""
        disk.sizeBytes = volume.size
        disk.missingSince = nil
        return disk
    }
}

extension SnapshotsError {
    /// LVM's refusal or failure, in LVM's words. A value refused before any
    /// command line was built is the caller's mistake; the rest are LVM's.
    init(lvm error: LVMError) {
        switch error {
        case .invalidArgument(let invalid):
            self.init(invalid.what.contains("name") ? .invalidName : .invalidParameter,
                      "LVM would refuse the \(invalid.what) \(Validation.shown(invalid.value)): \(invalid.reason)")
        default:
            self.init(.lvm, error.description)
        }
    }
}
