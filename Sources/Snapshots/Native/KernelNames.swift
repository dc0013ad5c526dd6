/// The names and UUIDs dmsnap gives its device-mapper devices. The UUID prefix
/// marks a device as dmsnap's, so recovery can find it without the catalog.
enum KernelNames {
    static let uuidPrefix = "DMSNAP-"

    static func pool(_ poolName: String) -> String { "dmsnap-pool-\(poolName)" }
    static func poolUUID(_ poolName: String) -> String { "\(uuidPrefix)POOL-\(poolName)" }

    /// Disks and exposed snapshots are named by ID: /dev/mapper/dmsnap-d-…
    static func volume(_ id: String) -> String { "dmsnap-\(id)" }
    static func volumeUUID(_ id: String) -> String { "\(uuidPrefix)VOL-\(id)" }

    /// The readable link: /dev/dmsnap/NAME → /dev/mapper/dmsnap-d-…
    static let linkDirectory = "/dev/dmsnap"
}
