import ECS
import Testing

struct JMESPathTests {
    let document: JSONValue = [
        "A": ["B": [["C": 1], ["C": 2], ["D": 3], ["C": nil]]],
        "Nested": [["L": [1, 2]], ["L": [3]], ["M": 0]],
        "Odd Key": ["x\"y": "quoted"],
        "S": "text",
    ]

    func search(_ expression: String) throws -> JSONValue {
        try JMESPath(expression).search(document)
    }

    @Test func namesAndDotsWalkObjects() throws {
        #expect(try search("S") == "text")
        #expect(try search("A.B[1].C") == 2)
        #expect(try search("Missing") == nil)
        #expect(try search("S.deeper") == nil, "a field of a string is null")
    }

    @Test func indexesCountFromTheStartOrTheEnd() throws {
        #expect(try search("A.B[0].C") == 1)
        #expect(try search("A.B[-2].D") == 3)
        #expect(try search("A.B[4]") == nil)
        #expect(try search("S[0]") == nil, "an index of a non-array is null")
    }

    @Test func flattenProjectsTheRestAndDropsNulls() throws {
        #expect(try search("A.B[].C") == [1, 2])
        #expect(try search("A.B[]") == [["C": 1], ["C": 2], ["D": 3], ["C": nil]])
        #expect(try search("S[]") == nil, "a flatten of a non-array is null")
    }

    @Test func aSecondFlattenFlattensTheProjectedResults() throws {
        #expect(try search("Nested[].L") == [[1, 2], [3]])
        #expect(try search("Nested[].L[]") == [1, 2, 3])
        #expect(try search("Nested[].L[0]") == [1, 3], "an index after [] applies to each element")
    }

    @Test func quotedNamesTakeJSONStringSyntax() throws {
        #expect(try search(#""Odd Key"."x\"y""#) == "quoted")
        #expect(try search(#"A."B"[0]."C""#) == 1)
    }

    @Test func whitespaceBetweenTokensIsAllowed() throws {
        #expect(try search(" A . B [ 1 ] . C ") == 2)
    }

    @Test func theStepsAreExposedForInspection() throws {
        #expect(try JMESPath("Snapshots.Snapshot[]").steps == [.field("Snapshots"), .field("Snapshot"), .flatten])
        #expect(try JMESPath("[0]").startsWithName == false)
    }

    @Test(arguments: ["", ".A", "A.", "A..B", "A.[0]", "A[*]", "A[?B]", "A[1:2]", "A | B", "A || B", "A B", "@", "`1`", "'raw'",
                      "{a: A}", "length(A)", "A.*", "1A", "A[x]", "A[", "\"open"])
    func unsupportedOrMalformedExpressionsAreSyntaxErrors(expression: String) {
        #expect(throws: JMESPath.SyntaxError.self) { try JMESPath(expression) }
    }
}
