import DeviceMapper
import Testing

struct ThinPoolMessageTests {
    @Test func createThinNamesTheNewID() {
        #expect(ThinPoolMessage.createThin(0).text == "create_thin 0")
    }

    @Test func createSnapshotNamesTheNewIDThenTheOrigin() {
        #expect(ThinPoolMessage.createSnapshot(1, origin: 0).text == "create_snap 1 0")
    }

    @Test func deleteNamesTheID() {
        #expect(ThinPoolMessage.delete(16_777_215).text == "delete 16777215")
    }

    @Test func setTransactionIDNamesTheOldIDThenTheNew() {
        #expect(ThinPoolMessage.setTransactionID(old: 0, new: 1).text == "set_transaction_id 0 1")
        #expect(ThinPoolMessage.setTransactionID(old: .max - 1, new: .max).text
            == "set_transaction_id 18446744073709551614 18446744073709551615")
    }

    @Test func metadataSnapshotMessagesTakeNoArguments() {
        #expect(ThinPoolMessage.reserveMetadataSnapshot.text == "reserve_metadata_snap")
        #expect(ThinPoolMessage.releaseMetadataSnapshot.text == "release_metadata_snap")
    }

    @Test(arguments: [16_777_216, -1])
    func messagesWithAnIDOutOfRangeCannotBeMade(id: Int) {
        // The kernel answers "create_thin 16777216" with EINVAL; dmsnap never sends it.
        #expect(throws: TargetArgumentError.self) { ThinPoolMessage.createThin(try ThinDeviceID(id)) }
        #expect(throws: TargetArgumentError.self) { ThinPoolMessage.createSnapshot(1, origin: try ThinDeviceID(id)) }
        #expect(throws: TargetArgumentError.self) { ThinPoolMessage.delete(try ThinDeviceID(id)) }
    }
}
