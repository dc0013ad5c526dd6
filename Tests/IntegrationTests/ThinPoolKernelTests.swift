import DeviceMapper
import Foundation
import Testing

/// A thin pool on loop devices driven through the binding; the parsed status
/// agrees with what was done.
@Suite(.serialized)
struct ThinPoolKernelTests {
    let deviceMapper = DeviceMapper()

    /// A pool over two loop devices, torn down by `close()`.
    struct Pool {
        let name: String
        let metadata: LoopDevice
        let data: LoopDevice
        var volumes: [String] = []
    }

    func makePool(features: Set<ThinPoolTable.Feature> = [], dataMiB: Int = 256) throws -> Pool {
        let metadata = try LoopDevice.attach(sizeMiB: 16)
        let data = try LoopDevice.attach(sizeMiB: dataMiB)
        let name = Rig.uniqueName("pool")
        let table = try ThinPoolTable(length: try data.sectors, metadataDevice: DeviceReference(metadata.path),
                                      dataDevice: DeviceReference(data.path), dataBlockSize: 128,
                                      lowWaterMark: 16, features: features)
        // A fresh pool needs zeroed metadata; the sparse file already is.
        try deviceMapper.create(name, table: [table.targetLine])
        return Pool(name: name, metadata: metadata, data: data)
    }

    func close(_ pool: Pool, volumes: [String]) {
        for volume in volumes { try? deviceMapper.remove(volume) }
        try? deviceMapper.remove(pool.name)
        pool.metadata.detach()
        pool.data.detach()
    }

    func activate(_ pool: Pool, id: ThinDeviceID, sectors: UInt64 = 1 << 21) throws -> String {
        let name = "\(pool.name)-\(id)"
        let table = try ThinVolumeTable(length: sectors, pool: DeviceReference("/dev/mapper/\(pool.name)"), id: id)
        try deviceMapper.create(name, table: [table.targetLine])
        return name
    }

    @Test(.enabled(if: Rig.enabled))
    func createThinSnapshotDeleteAndTransactionIdShowInStatus() throws {
        try Rig.requireKernel()
        let pool = try makePool()
        var volumes: [String] = []
        defer { close(pool, volumes: volumes) }

        let fresh = try #require(try deviceMapper.thinPoolStatus(pool.name).details)
        #expect(fresh.transactionID == 0)
        #expect(fresh.data.used == 0)
        #expect(fresh.data.total == 256 * 1024 * 1024 / 65536)
        #expect(try deviceMapper.thinPoolStatus(pool.name).mode == .readWrite)

        try deviceMapper.send(.createThin(0), toPool: pool.name)
        let origin = try activate(pool, id: 0)
        volumes.append(origin)
        #expect(try deviceMapper.thinStatus(origin) == .active(mappedSectors: 0, highestMappedSector: nil))

        try Rig.shell("dd if=/dev/urandom of=/dev/mapper/\(origin) bs=1M count=1 oflag=direct status=none")
        #expect(try deviceMapper.thinStatus(origin).mappedSectors == 2048)
        #expect(try deviceMapper.thinPoolStatus(pool.name).details?.data.used == 16)
        let before = try Rig.shell("dd if=/dev/mapper/\(origin) bs=1M count=1 iflag=direct status=none | md5sum")

        try deviceMapper.suspend(origin)
        try deviceMapper.send(.createSnapshot(1, origin: 0), toPool: pool.name)
        try deviceMapper.resume(origin)
        try deviceMapper.send(.setTransactionID(old: 0, new: 1), toPool: pool.name)
        #expect(try deviceMapper.thinPoolStatus(pool.name).details?.transactionID == 1)
        // The snapshot shares every block with its origin.
        #expect(try deviceMapper.thinPoolStatus(pool.name).details?.data.used == 16)

        try Rig.shell("dd if=/dev/zero of=/dev/mapper/\(origin) bs=1M count=1 oflag=direct status=none")
        #expect(try deviceMapper.thinPoolStatus(pool.name).details?.data.used == 32, "writes after the snapshot break sharing")
        let snapshot = try activate(pool, id: 1)
        volumes.append(snapshot)
        #expect(try Rig.shell("dd if=/dev/mapper/\(snapshot) bs=1M count=1 iflag=direct status=none | md5sum") == before)

        try deviceMapper.remove(snapshot)
        volumes.removeLast()
        try deviceMapper.send(.delete(1), toPool: pool.name)
        try deviceMapper.send(.setTransactionID(old: 1, new: 2), toPool: pool.name)
        let after = try #require(try deviceMapper.thinPoolStatus(pool.name).details)
        #expect(after.transactionID == 2)
        #expect(after.data.used == 16, "deleting the snapshot frees the blocks only it held")
    }

    @Test(.enabled(if: Rig.enabled))
    func aStaleTransactionIdIsRefusedByTheKernel() throws {
        try Rig.requireKernel()
        let pool = try makePool()
        defer { close(pool, volumes: []) }
        try deviceMapper.send(.setTransactionID(old: 0, new: 5), toPool: pool.name)
        let error = try #require(throws: DeviceMapperError.self) {
            try deviceMapper.send(.setTransactionID(old: 0, new: 6), toPool: pool.name)
        }
        #expect(error.operation == .message && error.device == pool.name)
        #expect(try deviceMapper.thinPoolStatus(pool.name).details?.transactionID == 5)
    }

    @Test(.enabled(if: Rig.enabled))
    func creatingAThinIdTwiceFailsAndDeletingAnUnknownIdFails() throws {
        try Rig.requireKernel()
        let pool = try makePool()
        defer { close(pool, volumes: []) }
        try deviceMapper.send(.createThin(7), toPool: pool.name)
        #expect(throws: DeviceMapperError.self) { try deviceMapper.send(.createThin(7), toPool: pool.name) }
        #expect(throws: DeviceMapperError.self) { try deviceMapper.send(.delete(8), toPool: pool.name) }
        try deviceMapper.send(.delete(7), toPool: pool.name)
    }

    @Test(.enabled(if: Rig.enabled))
    func aReadOnlyPoolReportsItsModeAndErrorIfNoSpacePolicy() throws {
        try Rig.requireKernel()
        let pool = try makePool(features: [.errorIfNoSpace])
        defer { close(pool, volumes: []) }
        #expect(try deviceMapper.thinPoolStatus(pool.name).details?.noSpacePolicy == .error)

        let table = try ThinPoolTable(length: try pool.data.sectors, metadataDevice: DeviceReference(pool.metadata.path),
                                      dataDevice: DeviceReference(pool.data.path), dataBlockSize: 128,
                                      lowWaterMark: 16, features: [.readOnly])
        try deviceMapper.reload(pool.name, table: [table.targetLine])
        #expect(try deviceMapper.thinPoolStatus(pool.name).mode == .readOnly)
        #expect(throws: DeviceMapperError.self) { try deviceMapper.send(.createThin(0), toPool: pool.name) }
    }
}
