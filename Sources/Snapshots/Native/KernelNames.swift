/// The names and UUIDs dmsnap gives its device-mapper devices. The UUID prefix
/// marks a device as dmsnap's, so recovery can find it without the catalog.
///
/// A pool's devices carry its identity (`PoolRecord.poolId`, random, made by
/// `pool create`) besides its name: two state directories on one host may
/// each have a pool of the same name, and neither may take the other's
/// device for its own.
enum KernelNames {
    static let uuidPrefix = "DMSNAP-"

    /// `dmsnap-pool-NAME-ID`: readable in `dmsetup ls`, unique by the ID. A
    /// record without an identity (a pool `recover --rebuild` found live under
    /// its old name, before it takes it) has the old names (`Legacy`).
    static func pool(_ pool: PoolRecord) -> String {
        pool.poolId.isEmpty ? Legacy.pool(pool.name) : "dmsnap-pool-\(pool.name)-\(pool.poolId)"
    }
    static let poolUUIDPrefix = "\(uuidPrefix)POOLID-"
    /// `DMSNAP-POOLID-ID-NAME`: the identity first, at a fixed length, so the name after it reads back whole.
    static func poolUUID(_ pool: PoolRecord) -> String {
        pool.poolId.isEmpty ? Legacy.poolUUID(pool.name) : "\(poolUUIDPrefix)\(pool.poolId)-\(pool.name)"
    }

    /// A pool's manifest device (see `ManifestDevice`).
    static func manifest(_ pool: PoolRecord) -> String {
        pool.poolId.isEmpty ? Legacy.manifest(pool.name) : "dmsnap-manifest-\(pool.name)-\(pool.poolId)"
    }
    static func manifestUUID(_ pool: PoolRecord) -> String {
        pool.poolId.isEmpty ? Legacy.manifestUUID(pool.name) : "\(uuidPrefix)MANIFESTID-\(pool.poolId)-\(pool.name)"
    }

    /// The identity and name in a pool UUID, or nil when `uuid` is not one.
    static func parsePoolUUID(_ uuid: String) -> (poolId: String, name: String)? {
        guard uuid.hasPrefix(poolUUIDPrefix) else { return nil }
        let rest = uuid.dropFirst(poolUUIDPrefix.count)
        let poolId = String(rest.prefix(PoolRecord.poolIdLength))
        guard PoolRecord.isPoolId(poolId), rest.dropFirst(poolId.count).first == "-" else { return nil }
        return (poolId, String(rest.dropFirst(poolId.count + 1)))
    }

    /// What dmsnap before pool identities named a pool's devices: by its name
    /// alone. Such a device, still live after an upgrade, is taken back by the
    /// pool whose devices it stands on (`NativePool.adoptLegacyDevices`).
    enum Legacy {
        static func pool(_ name: String) -> String { "dmsnap-pool-\(name)" }
        static let poolUUIDPrefix = "\(uuidPrefix)POOL-"
        static func poolUUID(_ name: String) -> String { poolUUIDPrefix + name }
        static func manifest(_ name: String) -> String { "dmsnap-manifest-\(name)" }
        static func manifestUUID(_ name: String) -> String { "\(uuidPrefix)MANIFEST-\(name)" }
    }

    /// Disks and exposed snapshots are named by ID: /dev/mapper/dmsnap-d-…
    static func volume(_ id: String) -> String { "dmsnap-\(id)" }
    static let volumeUUIDPrefix = "\(uuidPrefix)VOL-"
    static func volumeUUID(_ id: String) -> String { volumeUUIDPrefix + id }

    /// The thin device a disk's rollback from a repository is restored into,
    /// before it takes the disk's place: never a disk of its own.
    static func resetScratch(_ diskId: String) -> String { "dmsnap-\(diskId)-restoring" }
    static func resetScratchUUID(_ diskId: String) -> String { volumeUUIDPrefix + diskId + "-restoring" }

    /// The readable link: /dev/dmsnap/NAME → /dev/mapper/dmsnap-d-…
    static let linkDirectory = "/dev/dmsnap"
}
