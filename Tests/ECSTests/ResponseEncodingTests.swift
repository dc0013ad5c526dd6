import ECS
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
}
