import Foundation
import GRDB

extension SnapshotService {
    /// A disk as an administrator names it: a `d-` ID, its /dev path
    /// (/dev/mapper/dmsnap-d-… or /dev/dmsnap/NAME), or its name.
    public func resolveDisk(_ reference: String) throws -> DiskRecord {
        if reference.hasPrefix("d-") { return try disk(reference) }
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
        let matches = try catalog.read { db in try SnapshotRecord.filter(Column("name") == reference).fetchAll(db) }
        guard matches.count == 1, let only = matches.first else {
            throw SnapshotsError(.invalidSnapshotIdNotFound, matches.isEmpty
                ? "no snapshot has the ID or name \(Validation.shown(reference))"
                : "\(matches.count) snapshots are named \(Validation.shown(reference)); use the ID")
        }
        return only
    }

    private func diskNamed(_ name: String) throws -> DiskRecord {
        guard let disk = try catalog.read({ db in try DiskRecord.filter(Column("name") == name).fetchOne(db) }) else {
            throw SnapshotsError(.invalidDiskIdNotFound, "no disk has the ID or name \(Validation.shown(name))")
        }
        return disk
    }
}
