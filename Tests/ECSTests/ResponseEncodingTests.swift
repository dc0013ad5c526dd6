import ECS
import Snapshots
import Testing

struct ResponseEncodingTests {
    struct Created: Encodable {
        var SnapshotId = "s-1"
        var RequestId = "R"
        var Note = "a/b <c>"
    }

    @Test func prettyResponsesArePrintedAsTheAliyunCLIPrintsThem() throws {
        #expect(try ECSResponse.encode(Created()) == "{\n\t\"Note\": \"a/b <c>\",\n\t\"RequestId\": \"R\",\n\t\"SnapshotId\": \"s-1\"\n}")
    }

    @Test func compactResponsesAreOneSortedLine() throws {
        #expect(try ECSResponse.encode(Created(), pretty: false) == #"{"Note":"a/b <c>","RequestId":"R","SnapshotId":"s-1"}"#)
    }

    @Test func aJSONValueBodyIsRenderedDirectly() throws {
        let body: JSONValue = ["RequestId": "R", "SnapshotId": "s-1"]
        #expect(try ECSResponse.encode(body, pretty: false) == #"{"RequestId":"R","SnapshotId":"s-1"}"#)
    }

    @Test func newRequestIdsAreUppercaseUUIDs() {
        #expect(ECSResponse.newRequestId().wholeMatch(of: #/[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}/#) != nil)
    }

    @Test func aDryRunNumbersTheHoldsTakenTogether() throws {
        let plan = FreezePlan(holds: [.freezeFilesystem(mountPoint: "/srv", device: "/dev/md0"),
                                      .suspend(device: "dmsnap-d-one", lockfs: false),
                                      .suspend(device: "dmsnap-d-two", lockfs: false)],
                              takenTogether: 1..<3)
        let json = try ECSResponse.encode(ECSResponse.GroupPlan(RequestId: "R", plan: plan, memoryLockReason: nil), pretty: false)
        #expect(json.contains(#""HoldsTakenTogether":[2,3]"#), "\(json)")
        let alone = FreezePlan(holds: [.suspend(device: "dmsnap-d-one", lockfs: true)], takenTogether: 0..<1)
        #expect(try ECSResponse.encode(ECSResponse.GroupPlan(RequestId: "R", plan: alone, memoryLockReason: nil), pretty: false)
            .contains(#""HoldsTakenTogether":[]"#), "one hold is not taken together with anything")
    }
}
