import Foundation

/// A manifest's JSON, and how many disks and snapshots it lists.
struct ManifestPayload {
    var json: [UInt8]
    var disks = 0
    var snapshots = 0
}

extension ManifestRecords {
    /// The manifest's JSON whole, for a manifest small enough to hold (tests,
    /// and a slot encoded in memory).
    func encodedJSON() throws -> ManifestPayload {
        var json: [UInt8] = []
        var payload = try streamJSON(every: .max) { json += $0 }
        payload.json = json
        return payload
    }

    /// Writes the manifest's JSON member by member as the records come (see
    /// `JSONWriter` for why), handing `drain` what is written each time it
    /// passes `chunk` bytes, and the rest at the end: a manifest of a hundred
    /// thousand snapshots is never in memory whole. The payload it returns
    /// counts the records and holds no JSON.
    ///
    /// The members are what the records' synthesized `Encodable` writes, keyed
    /// by property name, with nil optionals left out and dates as `JSONEncoder`
    /// writes them by default, so `JSONDecoder` reads a manifest back into a
    /// `PoolManifest` of the same records (ManifestJSONTests checks both
    /// against `JSONEncoder`).
    func streamJSON(every chunk: Int, drain: ([UInt8]) throws -> Void) throws -> ManifestPayload {
        var payload = ManifestPayload(json: [])
        var json = JSONWriter(reservingCapacity: chunk == .max ? 1024 + 512 * (try estimatedCount()) : chunk + (64 << 10))
        func drainFull(_ json: inout JSONWriter) throws {
            if json.bytes.count >= chunk { try drain(json.takeBytes()) }
        }
        try json.object { json in
            json.member("pool", object: pool.writeMembers(into:))
            try json.member("disks", elements: { json in
                try forEachDisk { disk in
                    payload.disks += 1
                    json.element { $0.object(disk.writeMembers(into:)) }
                    try drainFull(&json)
                }
            })
            try json.member("snapshots", elements: { json in
                try forEachSnapshot { snapshot in
                    payload.snapshots += 1
                    json.element { $0.object(snapshot.writeMembers(into:)) }
                    try drainFull(&json)
                }
            })
            try json.member("groups", elements: { json in
                try forEachGroup { group in
                    json.element { $0.object(group.writeMembers(into:)) }
                    try drainFull(&json)
                }
            })
            json.member("writtenAt", writtenAt)
            json.member("stateDirectory", stateDirectory)
        }
        try drain(json.takeBytes())
        return payload
    }
}

/// What one record adds to a manifest, its separating comma included: how a
/// change is measured against the slot before it is made.
enum ManifestSize {
    static func of(_ disk: DiskRecord) -> Int { measured(disk.writeMembers(into:)) }
    static func of(_ snapshot: SnapshotRecord) -> Int { measured(snapshot.writeMembers(into:)) }
    static func of(_ group: SnapshotGroupRecord) -> Int { measured(group.writeMembers(into:)) }

    private static func measured(_ members: (inout JSONWriter) -> Void) -> Int {
        var json = JSONWriter()
        json.object(members)
        return json.bytes.count + 1
    }
}

extension PoolRecord {
    fileprivate func writeMembers(into json: inout JSONWriter) {
        json.member("name", name)
        json.member("dataDevice", dataDevice)
        json.member("metadataDevice", metadataDevice)
        json.member("dataFile", dataFile)
        json.member("metadataFile", metadataFile)
        json.member("blockSizeSectors", blockSizeSectors)
        json.member("lowWaterMarkBlocks", lowWaterMarkBlocks)
        json.member("dataSectors", dataSectors)
        json.member("transactionId", transactionId)
        json.member("nextThinId", nextThinId)
        json.member("createdAt", createdAt)
        json.member("poolId", poolId)
    }
}

extension DiskRecord {
    fileprivate func writeMembers(into json: inout JSONWriter) {
        json.member("id", id)
        json.member("name", name)
        json.member("description", description)
        json.member("poolName", poolName)
        json.member("thinId", thinId)
        json.member("sizeBytes", sizeBytes)
        json.member("createdAt", createdAt)
        json.member("sourceSnapshotId", sourceSnapshotId)
        json.member("backend", backend.rawValue)
        json.member("lvUuid", lvUuid)
        json.member("volumeGroup", volumeGroup)
        json.member("logicalVolume", logicalVolume)
        json.member("missingSince", missingSince)
    }
}

extension SnapshotRecord {
    fileprivate func writeMembers(into json: inout JSONWriter) {
        json.member("id", id)
        json.member("name", name)
        json.member("description", description)
        json.member("diskId", diskId)
        json.member("poolName", poolName)
        json.member("thinId", thinId)
        json.member("sourceDiskSizeBytes", sourceDiskSizeBytes)
        json.member("createdAt", createdAt)
        json.member("modifiedAt", modifiedAt)
        json.member("retentionDays", retentionDays)
        json.member("groupId", groupId)
        json.member("holdWindowMicroseconds", holdWindowMicroseconds)
        json.member("backend", backend.rawValue)
        json.member("lvUuid", lvUuid)
        json.member("volumeGroup", volumeGroup)
        json.member("logicalVolume", logicalVolume)
        json.member("madeOutside", madeOutside)
        json.member("missingSince", missingSince)
        json.member("releasedAt", releasedAt)
        json.member("instantAccessRetentionDays", instantAccessRetentionDays)
    }
}

extension SnapshotGroupRecord {
    fileprivate func writeMembers(into json: inout JSONWriter) {
        json.member("id", id)
        json.member("name", name)
        json.member("description", description)
        json.member("createdAt", createdAt)
        json.member("status", status.rawValue)
        json.member("holdWindowMicroseconds", holdWindowMicroseconds)
        json.member("diskIds", array: diskIds) { $0.string($1) }
    }
}
