import Foundation
@testable import Snapshots
import Testing

/// How a rebuild reconciles a pool's manifest with the thin devices the
/// kernel holds: the kernel is the truth about what exists.
struct PoolRebuildTests {
    /// Disks on thin ids 0 and 1, snapshots on 2 and 3 (see `ManifestSlotTests.manifest`).
    let manifest = ManifestSlotTests.manifest(snapshots: 2)

    func found() -> PoolRecord {
        var pool = manifest.pool
        pool.dataDevice = "/dev/loop7"
        pool.metadataDevice = "/dev/loop8"
        pool.createdAt = Date(timeIntervalSince1970: 0)
        pool.nextThinId = 0
        return pool
    }

    @Test func everyRecordWhoseThinDeviceExistsComesBackAsItWas() {
        let rebuilt = PoolRebuild(found: found(), manifest: manifest, thinIds: [0, 1, 2, 3, ManifestDevice.thinId],
                                  volumes: [:], transactionId: 9)
        #expect(rebuilt.disks == manifest.disks && rebuilt.snapshots == manifest.snapshots && rebuilt.groups == manifest.groups)
        #expect(rebuilt.recovered.isEmpty && rebuilt.dropped.isEmpty)
        #expect(rebuilt.pool.createdAt == manifest.pool.createdAt, "the pool keeps its own creation time")
        #expect(rebuilt.pool.dataDevice == "/dev/loop7", "but takes the devices the kernel uses now")
        #expect(rebuilt.pool.transactionId == 9, "and the kernel's transaction id")
    }

    @Test func aRecordWhoseThinDeviceIsGoneIsDroppedAndItsGroupWithIt() {
        let rebuilt = PoolRebuild(found: found(), manifest: manifest, thinIds: [0, 1, 2], volumes: [:], transactionId: 9)
        #expect(rebuilt.snapshots.map(\.thinId) == [2])
        #expect(rebuilt.dropped.count == 1 && rebuilt.dropped[0].contains(manifest.snapshots[1].id) && rebuilt.dropped[0].contains("thin device 3"))
        #expect(rebuilt.groups.isEmpty, "the group's only snapshot is gone")
    }

    @Test func aThinDeviceWithoutARecordIsKeptAsARecoveredSnapshotNeverDropped() {
        let rebuilt = PoolRebuild(found: found(), manifest: manifest, thinIds: [0, 1, 2, 3, 9], volumes: [:], transactionId: 10)
        let recovered = rebuilt.snapshots.filter { $0.thinId == 9 }
        #expect(recovered.count == 1)
        #expect(recovered.first?.id.hasPrefix("s-") == true && recovered.first?.name == "recovered-p-9")
        #expect(recovered.first?.description.contains(PoolRebuild.recoveredMarker) == true)
        #expect((recovered.first?.sourceDiskSizeBytes ?? 0) >= 1 << 30, "large enough for any disk the pool recorded")
        #expect(rebuilt.recovered.count == 1 && rebuilt.recovered[0].contains("thin device 9"))
        #expect(rebuilt.pool.nextThinId == 10, "new thin ids start past every id in the pool")
    }

    @Test func anActiveDeviceGivesAnUnrecordedThinDeviceItsIDAndSize() {
        let volumes: [UInt32: ActiveVolume] = [9: ActiveVolume(id: "d-zzzzzzzzzzzzzzzzzzzz", sizeBytes: 5 << 20)]
        let rebuilt = PoolRebuild(found: found(), manifest: manifest, thinIds: [0, 1, 2, 3, 9], volumes: volumes, transactionId: 10)
        let disk = rebuilt.disks.first { $0.thinId == 9 }
        #expect(disk?.id == "d-zzzzzzzzzzzzzzzzzzzz" && disk?.sizeBytes == 5 << 20)
    }

    @Test func anActiveDiskMappingAnotherThinIdWinsOverTheManifest() {
        // A rollback got past its retarget (disk d-0123… now maps 7) and deleted thin id 0 before the crash.
        let volumes: [UInt32: ActiveVolume] = [7: ActiveVolume(id: manifest.disks[0].id, sizeBytes: manifest.disks[0].sizeBytes)]
        let rebuilt = PoolRebuild(found: found(), manifest: manifest, thinIds: [1, 2, 3, 7], volumes: volumes, transactionId: 10)
        #expect(rebuilt.disks.first { $0.id == manifest.disks[0].id }?.thinId == 7)
        #expect(rebuilt.dropped.isEmpty && rebuilt.recovered.isEmpty)
    }

    @Test func aPoolWithoutAManifestKeepsEveryThinDeviceAsRecovered() {
        let rebuilt = PoolRebuild(found: found(), manifest: nil, thinIds: [0, 4], volumes: [:], transactionId: 3)
        #expect(rebuilt.disks.isEmpty && rebuilt.snapshots.map(\.thinId) == [0, 4])
        #expect(rebuilt.pool.nextThinId == 5 && rebuilt.pool.createdAt == Date(timeIntervalSince1970: 0))
    }

    @Test func theSuperblockGivesThePoolsBlockSize() throws {
        var block = [UInt8](repeating: 0, count: 512)
        withUnsafeBytes(of: ThinSuperblock.magic.littleEndian) { block.replaceSubrange(32..<40, with: $0) }
        withUnsafeBytes(of: UInt32(256).littleEndian) { block.replaceSubrange(336..<340, with: $0) }
        #expect(try ThinSuperblock.dataBlockSize(of: block, path: "m") == 256)
        block[32] ^= 1
        #expect(throws: SnapshotsError.self) { try ThinSuperblock.dataBlockSize(of: block, path: "m") }
    }
}
