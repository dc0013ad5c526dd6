import Foundation
import GRDB

extension SnapshotService {
    /// A disk as an administrator names it: a `d-` ID, its /dev path
    /// (/dev/mapper/dmsnap-d-…, /dev/dmsnap/NAME, /dev/VG/LV), `VG/LV`, or its name.
    public func resolveDisk(_ reference: String) throws -> DiskRecord {
        if reference.hasPrefix("d-") { return try disk(reference) }
        if let volume = Self.logicalVolumeReference(reference) {
            try discoverLVMIfEnabled()
            let found = try catalog.read { db in
                try DiskRecord.filter(Column("volumeGroup") == volume.volumeGroup && Column("logicalVolume") == volume.name).fetchOne(db)
            }
            guard let found else {
                throw SnapshotsError(.invalidDiskIdNotFound, "no disk is the LV \(Validation.shown(reference))")
            }
            return found
        }
        if reference.hasPrefix("/dev/") {
            let resolved = (reference as NSString).resolvingSymlinksInPath
            let mapperPrefix = "/dev/mapper/dmsnap-"
            if resolved.hasPrefix(mapperPrefix) {
                return try disk(String(resolved.dropFirst(mapperPrefix.count)))
            }
            let linkPrefix = KernelNames.linkDirectory + "/"
            if reference.hasPrefix(linkPrefix) {
                return try diskNamed(String(reference.dropFirst(linkPrefix.count)))
            }
            throw SnapshotsError(.invalidDiskIdNotFound, "\(Validation.shown(reference)) is not a dmsnap disk")
        }
        return try diskNamed(reference)
    }

    /// A snapshot by `s-` ID or by its name, which must then be unique.
    public func resolveSnapshot(_ reference: String) throws -> SnapshotRecord {
        if reference.hasPrefix("s-") { return try snapshot(reference) }
        let matches = try catalog.read { db in try SnapshotRecord.filter(Column("name") == Names.normalized(reference)).fetchAll(db) }
        guard matches.count == 1, let only = matches.first else {
            throw SnapshotsError(.invalidSnapshotIdNotFound, matches.isEmpty
                ? "no snapshot has the ID or name \(Validation.shown(reference))"
                : "\(matches.count) snapshots are named \(Validation.shown(reference)); use the ID")
        }
        return only
    }

    /// `VG/LV` or `/dev/VG/LV`.
    static func logicalVolumeReference(_ reference: String) -> (volumeGroup: String, name: String)? {
        var text = Substring(reference)
        if text.hasPrefix("/dev/") { text = text.dropFirst(5) }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              parts[0] != "mapper", parts[0] != "dmsnap" else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    private func diskNamed(_ name: String) throws -> DiskRecord {
        guard let disk = try catalog.read({ db in try DiskRecord.filter(Column("name") == Names.normalized(name)).fetchOne(db) }) else {
            throw SnapshotsError(.invalidDiskIdNotFound, "no disk has the ID or name \(Validation.shown(name))")
        }
        return disk
    }
}
