import Foundation
import Snapshots
import Testing

struct RequestIDTests {
    @Test func aRequestIDIsAnUppercaseUUID() {
        let id = RequestID()
        #expect(id.rawValue.wholeMatch(of: #/[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}/#) != nil, "\(id)")
        #expect(id.description == id.rawValue)
        #expect(RequestID() != id)
    }

    @Test func onlyUppercaseUUIDsParse() {
        #expect(RequestID("473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E")?.rawValue == "473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E")
        #expect(RequestID("473469c7-aa6f-4dc5-b3db-a3dc0de3c83e") == nil)
        #expect(RequestID("473469C7AA6F4DC5B3DBA3DC0DE3C83E") == nil)
        #expect(RequestID("") == nil)
    }

    @Test func aRequestIDEncodesAsAPlainString() throws {
        let id = RequestID()
        #expect(String(decoding: try JSONEncoder().encode([id]), as: UTF8.self) == "[\"\(id)\"]")
        #expect(try JSONDecoder().decode([RequestID].self, from: Data("[\"\(id)\"]".utf8)) == [id])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([RequestID].self, from: Data(#"["nope"]"#.utf8)) }
    }
}
