/// The names and UUIDs dmsnap gives its device-mapper devices. The UUID prefix
/// marks a device as dmsnap's, so recovery can find it without the catalog.
enum KernelNames {
    static let uuidPrefix = "DMSNAP-"

    static func pool(_ poolName: String) -> String { "dmsnap-pool-\(poolName)" }
    static let poolUUIDPrefix = "\(uuidPrefix)POOL-"
    static func poolUUID(_ poolName: String) -> String { poolUUIDPrefix + poolName }

    /// A pool's manifest device (see `ManifestDevice`). Not `dmsnap-pool-NAME-…`:
    /// another pool could be named `NAME-…`.
    static func manifest(_ poolName: String) -> String { "dmsnap-manifest-\(poolName)" }
    static func manifestUUID(_ poolName: String) -> String { "\(uuidPrefix)MANIFEST-\(poolName)" }

    /// Disks and exposed snapshots are named by ID: /dev/mapper/dmsnap-d-…
    static func volume(_ id: String) -> String { "dmsnap-\(id)" }
    static let volumeUUIDPrefix = "\(uuidPrefix)VOL-"
    static func volumeUUID(_ id: String) -> String { volumeUUIDPrefix + id }

    /// The readable link: /dev/dmsnap/NAME → /dev/mapper/dmsnap-d-…
    static let linkDirectory = "/dev/dmsnap"
}
