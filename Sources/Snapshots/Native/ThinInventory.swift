import DeviceMapper
import Foundation

/// A dmsnap volume (disk or exposed snapshot) active on a pool.
struct ActiveVolume: Equatable, Sendable {
    var id: String
    var sizeBytes: UInt64
}

extension NativePool {
    /// The thin device ids in the pool's metadata, read by `thin_ls` from a
    /// metadata snapshot: the live metadata may change under a reader.
    func thinIds() throws -> Set<UInt32> {
        try send(.reserveMetadataSnapshot)
        defer { try? send(.releaseMetadataSnapshot) }
        let output: String
        do {
            output = try ExternalCommand.run("thin_ls", ["--metadata-snap", "--no-headers", "-o", "DEV", record.metadataDevice])
        } catch {
            throw SnapshotsError(.kernel, """
                cannot list the thin devices of pool \(record.name) (metadata \(record.metadataDevice)) with thin_ls \
                from thin-provisioning-tools: \(error)
                """)
        }
        return Set(output.split(whereSeparator: \.isWhitespace).compactMap { UInt32($0) })
    }

    /// The dmsnap volumes active on this pool, by the thin id their table maps.
    /// Their names carry their IDs and their tables their sizes, which a
    /// rebuild keeps for a thin device the manifest does not know.
    func activeVolumes() throws -> [UInt32: ActiveVolume] {
        guard let poolNumber = try deviceMapper.info(deviceName)?.number else { return [:] }
        var volumes: [UInt32: ActiveVolume] = [:]
        for device in try deviceMapper.list() {
            guard let uuid = try deviceMapper.info(device.name)?.uuid, uuid.hasPrefix(KernelNames.volumeUUIDPrefix),
                  let line = try deviceMapper.tableIfPresent(device.name)?.first, line.type == "thin" else { continue }
            let arguments = line.parameters.split(separator: " ")
            guard arguments.count >= 2, DeviceNumber(arguments[0]) == poolNumber, let thinId = UInt32(arguments[1]) else { continue }
            volumes[thinId] = ActiveVolume(id: String(uuid.dropFirst(KernelNames.volumeUUIDPrefix.count)), sizeBytes: line.length * 512)
        }
        return volumes
    }
}
