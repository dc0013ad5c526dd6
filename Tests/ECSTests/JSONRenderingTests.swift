@testable import ECS
import Testing

struct JSONRenderingTests {
    let describeSnapshots: JSONValue = [
        "RequestId": "473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E",
        "TotalCount": 1,
        "PageNumber": 1,
        "PageSize": 10,
        "Snapshots": ["Snapshot": [["SnapshotId": "s-bp1afnc98r8kjh4x7q2m", "Progress": "100%", "Tags": [:], "Usage": []]]],
    ]

    @Test func aliyunStyleSortsKeysAndIndentsWithTabs() {
        #expect(describeSnapshots.rendered(.aliyun) == """
            {
            \t"PageNumber": 1,
            \t"PageSize": 10,
            \t"RequestId": "473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E",
            \t"Snapshots": {
            \t\t"Snapshot": [
            \t\t\t{
            \t\t\t\t"Progress": "100%",
            \t\t\t\t"SnapshotId": "s-bp1afnc98r8kjh4x7q2m",
            \t\t\t\t"Tags": {},
            \t\t\t\t"Usage": []
            \t\t\t}
            \t\t]
            \t},
            \t"TotalCount": 1
            }
            """)
    }

    @Test func compactStyleKeepsTheOrderGiven() {
        let value: JSONValue = ["RequestId": "R", "SnapshotId": "s-1", "A": [1, true, nil]]
        #expect(value.rendered(.compact) == #"{"RequestId":"R","SnapshotId":"s-1","A":[1,true,null]}"#)
    }

    @Test func keysSortByTheirUTF8BytesAsGoSortsThem() {
        let value: JSONValue = ["b": 1, "é": 2, "e\u{301}": 3, "B": 4, "_": 5]
        #expect(value.rendered(.compact) == "{\"b\":1,\"é\":2,\"e\u{301}\":3,\"B\":4,\"_\":5}", "two spellings of é stay two keys")
        // Compared as bytes: Swift's == would equate the two spellings of é.
        let keys = value.rendered(.aliyun).split(separator: "\n").map { Array($0.split(separator: ":")[0].utf8) }
        #expect(keys == ["{", "\t\"B\"", "\t\"_\"", "\t\"b\"", "\t\"e\u{301}\"", "\t\"é\"", "}"].map { Array($0.utf8) })
    }

    @Test func aRepeatedKeyKeepsItsLastValueAsGoDecodingDoes() {
        let value: JSONValue = ["a": 1, "b": 2, "a": 3]
        #expect(value.rendered(.compact) == #"{"a":3,"b":2}"#)
        #expect(value["a"] == 3)
    }

    @Test func stringsAreEscapedAsGoEncodingJSONWithoutHTMLEscaping() {
        let text = "q\"b\\s/<>&\u{08}\u{0C}\n\r\t\u{01}\u{1F}\u{7F}é快😀\u{2028}\u{2029}"
        #expect(JSONValue.string(text).rendered() == #""q\"b\\s/<>&\b\f\n\r\t\u0001\u001f"# + "\u{7F}é快😀" + #"\u2028\u2029""#)
    }

    @Test(arguments: [
        (1.5, "1.5"), (100.0, "100"), (0.1, "0.1"), (-2.25, "-2.25"), (123456789.0, "123456789"),
        (1e20, "100000000000000000000"), (1e21, "1e+21"), (1.5e300, "1.5e+300"), (0.000001, "0.000001"),
        (1e-7, "1e-7"), (2.5e-10, "2.5e-10"), (Double.leastNonzeroMagnitude, "5e-324"), (Double.greatestFiniteMagnitude, "1.7976931348623157e+308"),
        (0.0, "0"), (-0.0, "-0"), (Double.nan, "null"), (Double.infinity, "null"),
    ])
    func doublesAreWrittenAsGoEncodingJSONWritesFloat64(value: Double, expected: String) {
        #expect(JSONValue.double(value).rendered() == expected)
    }

    @Test func integersKeepAllTheirDigits() {
        #expect(JSONValue.int(Int.max).rendered() == "9223372036854775807")
        #expect(JSONValue.int(-7).rendered() == "-7")
    }

    @Test func omittingNilLeavesAbsentMembersOut() {
        let groupId: String? = nil
        let value = JSONValue.object(omittingNil: [("SnapshotId", "s-1"), ("SnapshotGroupId", groupId.map(JSONValue.string))])
        #expect(value.rendered(.compact) == #"{"SnapshotId":"s-1"}"#)
    }

    @Test func encodableModelsBecomeJSONValues() throws {
        struct Created: Encodable { var SnapshotId = "s-1"; var RequestId = "R"; var Size = 20; var Ratio = 0.5 }
        #expect(try JSONValue(encoding: Created()) == ["Ratio": 0.5, "RequestId": "R", "Size": 20, "SnapshotId": "s-1"], "keys in sorted order")
    }
}

struct JSONParsingTests {
    @Test func membersKeepDocumentOrderAndNumbersKeepTheirKind() throws {
        let value = try JSONValue(parsing: #" {"z": 1, "a": [1.5, -2, 1e3, true, false, null, "x"], "m": {}} "#)
        #expect(value == ["z": 1, "a": [1.5, -2, 1000.0, true, false, nil, "x"], "m": [:]])
    }

    @Test func escapesAndSurrogatePairsDecode() throws {
        #expect(try JSONValue(parsing: #""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#) == .string("a\"\\/\u{08}\u{0C}\n\r\t\u{E9}😀"))
        #expect(try JSONValue(parsing: #""\ud800x""#) == .string("\u{FFFD}x"), "a lone surrogate becomes U+FFFD, as in Go")
    }

    @Test func renderingThenParsingGivesTheSameDocument() throws {
        let value: JSONValue = ["s": "q\"\n\u{1}\u{2028}😀", "n": [0, -1, 2.5, 1e-7, 1e21], "o": ["k": nil]]
        #expect(try JSONValue(parsing: value.rendered(.compact)) == value)
        #expect(try JSONValue(parsing: value.rendered(.aliyun)).rendered(.aliyun) == value.rendered(.aliyun))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "\"tab\there\"", "\"open", "{} x", "nul", "1e", "\"\\x\"", "\"\\u12\""])
    func malformedDocumentsAreRefused(text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: text) }
    }

    @Test func absurdNestingIsRefusedInsteadOfOverflowingTheStack() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: deep) }
        #expect(throws: Never.self) { try JSONValue(parsing: String(repeating: "[", count: 500) + String(repeating: "]", count: 500)) }
    }
}
