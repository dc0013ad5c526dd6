import Foundation
import GRDB

// How each record maps to its table's columns, written out rather than
// derived from Codable. Through Codable, GRDB builds generic decoding and
// encoding containers for every record type, which each dmsnap process pays
// for again at first use; it was a tenth of CreateSnapshot's time under TCG.
// The column names are the properties' names, as the Codable path had them,
// and the values the same (dates as `CatalogDate` text, disk IDs as a JSON
// array), so catalogs written before read back unchanged.

extension PoolRecord {
    public init(row: Row) throws {
        name = try row.decode(forColumn: "name")
        dataDevice = try row.decode(forColumn: "dataDevice")
        metadataDevice = try row.decode(forColumn: "metadataDevice")
        dataFile = try row.decode(forColumn: "dataFile")
        metadataFile = try row.decode(forColumn: "metadataFile")
        blockSizeSectors = try row.decode(forColumn: "blockSizeSectors")
        lowWaterMarkBlocks = try row.decode(forColumn: "lowWaterMarkBlocks")
        dataSectors = try row.decode(forColumn: "dataSectors")
        transactionId = try row.decode(forColumn: "transactionId")
        nextThinId = try row.decode(forColumn: "nextThinId")
        createdAt = try CatalogColumn.date(row, "createdAt", of: Self.self)
        poolId = try row.decode(forColumn: "poolId")
    }

    public func encode(to container: inout PersistenceContainer) {
        container["poolId"] = poolId
        container["name"] = name
        container["dataDevice"] = dataDevice
        container["metadataDevice"] = metadataDevice
        container["dataFile"] = dataFile
        container["metadataFile"] = metadataFile
        container["blockSizeSectors"] = blockSizeSectors
        container["lowWaterMarkBlocks"] = lowWaterMarkBlocks
        container["dataSectors"] = dataSectors
        container["transactionId"] = transactionId
        container["nextThinId"] = nextThinId
        container["createdAt"] = CatalogDate.text(createdAt)
    }
}

extension DiskRecord {
    public init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        name = try row.decode(forColumn: "name")
        description = try row.decode(forColumn: "description")
        poolName = try row.decode(forColumn: "poolName")
        thinId = try row.decode(forColumn: "thinId")
        sizeBytes = try row.decode(forColumn: "sizeBytes")
        createdAt = try CatalogColumn.date(row, "createdAt", of: Self.self)
        sourceSnapshotId = try row.decode(forColumn: "sourceSnapshotId")
        backend = try CatalogColumn.value(row, "backend", of: Self.self)
        lvUuid = try row.decode(forColumn: "lvUuid")
        volumeGroup = try row.decode(forColumn: "volumeGroup")
        logicalVolume = try row.decode(forColumn: "logicalVolume")
        missingSince = try CatalogColumn.optionalDate(row, "missingSince", of: Self.self)
    }

    public func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        container["name"] = name
        container["description"] = description
        container["poolName"] = poolName
        container["thinId"] = thinId
        container["sizeBytes"] = sizeBytes
        container["createdAt"] = CatalogDate.text(createdAt)
        container["sourceSnapshotId"] = sourceSnapshotId
        container["backend"] = backend.rawValue
        container["lvUuid"] = lvUuid
        container["volumeGroup"] = volumeGroup
        container["logicalVolume"] = logicalVolume
        container["missingSince"] = missingSince.map(CatalogDate.text)
    }
}

extension SnapshotRecord {
    public init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        name = try row.decode(forColumn: "name")
        description = try row.decode(forColumn: "description")
        diskId = try row.decode(forColumn: "diskId")
        poolName = try row.decode(forColumn: "poolName")
        thinId = try row.decode(forColumn: "thinId")
        sourceDiskSizeBytes = try row.decode(forColumn: "sourceDiskSizeBytes")
        createdAt = try CatalogColumn.date(row, "createdAt", of: Self.self)
        modifiedAt = try CatalogColumn.date(row, "modifiedAt", of: Self.self)
        retentionDays = try row.decode(forColumn: "retentionDays")
        groupId = try row.decode(forColumn: "groupId")
        holdWindowMicroseconds = try row.decode(forColumn: "holdWindowMicroseconds")
        backend = try CatalogColumn.value(row, "backend", of: Self.self)
        lvUuid = try row.decode(forColumn: "lvUuid")
        volumeGroup = try row.decode(forColumn: "volumeGroup")
        logicalVolume = try row.decode(forColumn: "logicalVolume")
        madeOutside = try row.decode(forColumn: "madeOutside")
        missingSince = try CatalogColumn.optionalDate(row, "missingSince", of: Self.self)
        releasedAt = try CatalogColumn.optionalDate(row, "releasedAt", of: Self.self)
        instantAccessRetentionDays = try row.decode(forColumn: "instantAccessRetentionDays")
    }

    public func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        container["name"] = name
        container["description"] = description
        container["diskId"] = diskId
        container["poolName"] = poolName
        container["thinId"] = thinId
        container["sourceDiskSizeBytes"] = sourceDiskSizeBytes
        container["createdAt"] = CatalogDate.text(createdAt)
        container["modifiedAt"] = CatalogDate.text(modifiedAt)
        container["retentionDays"] = retentionDays
        container["groupId"] = groupId
        container["holdWindowMicroseconds"] = holdWindowMicroseconds
        container["backend"] = backend.rawValue
        container["lvUuid"] = lvUuid
        container["volumeGroup"] = volumeGroup
        container["logicalVolume"] = logicalVolume
        container["madeOutside"] = madeOutside
        container["missingSince"] = missingSince.map(CatalogDate.text)
        container["releasedAt"] = releasedAt.map(CatalogDate.text)
        container["instantAccessRetentionDays"] = instantAccessRetentionDays
    }
}

extension SnapshotGroupRecord {
    public init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        name = try row.decode(forColumn: "name")
        description = try row.decode(forColumn: "description")
        createdAt = try CatalogColumn.date(row, "createdAt", of: Self.self)
        status = try CatalogColumn.value(row, "status", of: Self.self)
        holdWindowMicroseconds = try row.decode(forColumn: "holdWindowMicroseconds")
        let diskIdsText: String = try row.decode(forColumn: "diskIds")
        do {
            diskIds = try JSONDecoder().decode([String].self, from: Data(diskIdsText.utf8))
        } catch {
            throw CatalogColumn.unreadable(Self.self, "diskIds", diskIdsText, "a JSON array of disk IDs")
        }
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["name"] = name
        container["description"] = description
        container["createdAt"] = CatalogDate.text(createdAt)
        container["status"] = status.rawValue
        container["holdWindowMicroseconds"] = holdWindowMicroseconds
        container["diskIds"] = String(decoding: try JSONEncoder().encode(diskIds), as: UTF8.self)
    }
}

extension IntentRecord {
    public init(row: Row) throws {
        id = try row.decode(forColumn: "id")
        operation = try row.decode(forColumn: "operation")
        poolName = try row.decode(forColumn: "poolName")
        transactionId = try row.decode(forColumn: "transactionId")
        payload = try row.decode(forColumn: "payload")
        createdAt = try CatalogColumn.date(row, "createdAt", of: Self.self)
    }

    public func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        container["operation"] = operation
        container["poolName"] = poolName
        container["transactionId"] = transactionId
        container["payload"] = payload
        container["createdAt"] = CatalogDate.text(createdAt)
    }
}

/// Reading the columns that need more than GRDB's conversions.
enum CatalogColumn {
    static func date<Record: TableRecord>(_ row: Row, _ column: String, of record: Record.Type) throws -> Date {
        let value: DatabaseValue = try row.decode(forColumn: column)
        guard let date = CatalogDate.date(value) else { throw unreadable(record, column, value, "a date") }
        return date
    }

    static func optionalDate<Record: TableRecord>(_ row: Row, _ column: String, of record: Record.Type) throws -> Date? {
        let value: DatabaseValue = try row.decode(forColumn: column)
        return value.isNull ? nil : try date(row, column, of: record)
    }

    /// A value of a closed set, stored as its raw text.
    static func value<Value: RawRepresentable<String>, Record: TableRecord>(
        _ row: Row, _ column: String, of record: Record.Type
    ) throws -> Value {
        let text: String = try row.decode(forColumn: column)
        guard let value = Value(rawValue: text) else { throw unreadable(record, column, text, "one of dmsnap's values") }
        return value
    }

    static func unreadable<Record: TableRecord>(_ record: Record.Type, _ column: String, _ value: Any, _ expected: String) -> SnapshotsError {
        SnapshotsError(.catalogDamaged, "the catalog's \(record.databaseTableName).\(column) holds \(value), not \(expected)")
    }
}
