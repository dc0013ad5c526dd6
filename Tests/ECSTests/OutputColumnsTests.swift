@testable import ECS
import Testing

/// Expected tables are derived by hand from aliyun-cli's FormatTable and Go's
/// text/tabwriter: cells joined by "\t ", column width = widest cell (in runes)
/// + 1, "|" before every cell but the first, then one extra newline (Println).
struct OutputColumnsTests {
    let response: JSONValue = [
        "RequestId": "473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E", "TotalCount": 2, "PageNumber": 1, "PageSize": 10,
        "Snapshots": ["Snapshot": [
            ["SnapshotId": "s-aaaaaaaaaaaaaaaaaaaa", "Status": "accomplished", "SourceDiskSize": "20", "RetentionDays": 7, "Encrypted": false],
            ["SnapshotId": "s-bbbbbbbbbbbbbbbbbbbb", "Status": "accomplished", "SourceDiskSize": "5", "Encrypted": true],
        ]],
    ]

    func table(_ words: String..., of response: JSONValue? = nil) throws -> String {
        try OutputColumns(arguments: words).render(response ?? self.response)
    }

    @Test func rowsAreAHeaderDashesAndCellsSeparatedByABarBetweenSpaces() throws {
        #expect(try table("cols=SnapshotId,Status", "rows=Snapshots.Snapshot[]") == """
            SnapshotId             | Status
            ----------             | ------
            s-aaaaaaaaaaaaaaaaaaaa | accomplished
            s-bbbbbbbbbbbbbbbbbbbb | accomplished


            """)
    }

    @Test func aliyunsOwnTestCaseComesOutTheSame() throws {
        // aliyun-cli openapi/output_filter_test.go, TestTableOutputFilter_FormatTable.
        let users: JSONValue = ["User": ["test", "test"]]
        #expect(try table("cols=name,type,api", "rows=User", of: users)
            == "name  | type  | api\n----  | ----  | ---\n<nil> | <nil> | <nil>\n<nil> | <nil> | <nil>\n\n")
        #expect(try table("cols=name,type,api", "rows=User", "num=true", of: users)
            == "Num | name  | type  | api\n--- | ----  | ----  | ---\n0   | <nil> | <nil> | <nil>\n1   | <nil> | <nil> | <nil>\n\n")
        let pairs: JSONValue = ["User": [["test", "test2"], ["test3", "test4"]]]
        #expect(try table("cols=name:0,type:1", "rows=User", "num=true", of: pairs)
            == "Num | name  | type\n--- | ----  | ----\n0   | test  | test2\n1   | test3 | test4\n\n")
    }

    @Test func columnsOfDifferentWidthsAndUnicodeAlignByCharacters() throws {
        let rows: JSONValue = ["Snapshots": ["Snapshot": [
            ["Name": "快照一", "Size": 20, "Status": "accomplished"],
            ["Name": "ab", "Size": 5, "Status": "failed"],
        ]]]
        #expect(try table("cols=Name,Size,Status", "rows=Snapshots.Snapshot[]", of: rows) == """
            Name | Size | Status
            ---- | ---- | ------
            快照一  | 20   | accomplished
            ab   | 5    | failed


            """)
    }

    @Test func dashesCountTheColumnNamesBytesAsGoLenDoes() throws {
        let rows: JSONValue = ["R": [["名前": "太郎", "X": 1]]]
        #expect(try table(#"cols="名前",X"#, "rows=R", of: rows) == "\"名前\"     | X\n-------- | -\n太郎       | 1\n\n")
    }

    @Test func withoutRowsTheWholeResponseIsTheOnlyRow() throws {
        #expect(try table("cols=TotalCount,PageNumber") == "TotalCount | PageNumber\n---------- | ----------\n2          | 1\n\n")
        let created: JSONValue = ["RequestId": "R", "SnapshotId": "s-cccccccccccccccccccc"]
        #expect(try table("cols=SnapshotId", of: created) == "SnapshotId\n----------\ns-cccccccccccccccccccc\n\n")
    }

    @Test func valuesPrintAsGoPercentVPrintsThem() throws {
        let rows: JSONValue = ["R": [["A": 7, "B": 1.5, "C": true, "D": nil, "E": [1, "x", nil], "F": ["z": 1, "a": "b"], "G": 1e21]]]
        let output = try table("cols=A,B,C,D,E,F,G,Missing", "rows=R", of: rows)
        #expect(output.split(separator: "\n")[2] == "7 | 1.5 | true | <nil> | [1 x <nil>] | map[a:b z:1] | 1e+21 | <nil>")
    }

    @Test func columnsAreJMESPathsOnTheRow() throws {
        let rows: JSONValue = ["R": [["Tags": ["Tag": [["TagKey": "env"], ["TagKey": "team"]]], "Disk": ["Id": "d-1"]]]]
        let output = try table("cols=Disk.Id,Tags.Tag[0].TagKey,Tags.Tag[].TagKey", "rows=R", of: rows)
        #expect(output.split(separator: "\n")[2] == "d-1     | env" + String(repeating: " ", count: 16) + "| [env team]")
    }

    @Test func anEmptyRowListPrintsOnlyTheHeader() throws {
        let empty: JSONValue = ["Snapshots": ["Snapshot": []]]
        #expect(try table("cols=SnapshotId,Status", "rows=Snapshots.Snapshot[]", of: empty) == "SnapshotId | Status\n---------- | ------\n\n")
    }

    @Test func tabsNewlinesAndFormFeedsInsideValuesLayOutAsTabwriterDoes() throws {
        func row(_ a: String) -> JSONValue { ["R": [["A": .string(a), "B": "b"]]] }
        // A tab makes an extra cell, and that cell's column is only its own line.
        #expect(try table("cols=A,B", "rows=R", of: row("x\ty")) == "A | B\n- | -\nx |y | b\n\n")
        // A newline ends the line early; the rest starts a new block.
        #expect(try table("cols=A,B", "rows=R", of: row("x\ny")) == "A | B\n- | -\nx\ny | b\n\n")
        // A form feed flushes and, with Debug, prints a rule.
        #expect(try table("cols=A,B", "rows=R", of: row("x\u{0C}y")) == "A | B\n- | -\nx\n---\ny | b\n\n")
    }

    @Test func theJSONTextOfAResponseRendersTheSame() throws {
        let columns = try OutputColumns(arguments: ["cols=SnapshotId", "rows=Snapshots.Snapshot[]"])
        #expect(try columns.render(json: response.rendered()) == columns.render(response))
        #expect(throws: OutputColumns.Error.self) { try columns.render(json: "not json") }
    }

    @Test func quotedColsAreUnquotedAsAliyunDoes() throws {
        let columns = try OutputColumns(arguments: [#"cols="SnapshotId,Status""#, "rows=Snapshots.Snapshot[]"])
        #expect(columns.columns == ["SnapshotId", "Status"])
    }

    @Test(arguments: [
        ["rows=A[]"], ["cols="], ["cols=A,,B"], ["colz=A"], ["nonsense"], ["cols=A", "cols=B"], ["cols=A", "num=yes"],
        ["cols=A", "rows=B[x]"], ["cols=A", "rows="], ["cols=A", "rows=[0]"], ["cols=A..B"], ["cols=A*"], ["cols=A[?x]"],
        ["cols=A|B"], ["cols=length(A)"], ["cols=1A"],
    ])
    func malformedOutputArgumentsAreRefused(words: [String]) {
        #expect(throws: OutputColumns.Error.self) { try OutputColumns(arguments: words) }
    }

    @Test func refusalsSayWhatToWrite() throws {
        let missing = try #require(throws: OutputColumns.Error.self) { try OutputColumns(arguments: ["rows=A"]) }
        #expect(missing.description.contains("cols="))
        let unknown = try #require(throws: OutputColumns.Error.self) { try OutputColumns(arguments: ["colz=A"]) }
        #expect(unknown.description == #"--output has no field "colz"; use cols=, rows= or num="#)
        let star = try #require(throws: OutputColumns.Error.self) { try OutputColumns(arguments: ["cols=Snapshots[*].Id"]) }
        #expect(star.description.contains(#""*""#))
    }

    @Test func rowsThatAreNotAnArrayAreAClearError() throws {
        let error = try #require(throws: OutputColumns.Error.self) { try table("cols=A", "rows=TotalCount") }
        #expect(error.description == "rows=TotalCount does not select an array in the response")
    }

    @Test func arrayRowsNeedNameIndexColumnsAndObjectRowsNeedNames() throws {
        let pairs: JSONValue = ["R": [["a", "b"]]]
        #expect(throws: OutputColumns.Error.self) { try table("cols=name,type:1", "rows=R", of: pairs) }
        #expect(throws: OutputColumns.Error.self) { try table("cols=name:0", "rows=Snapshots.Snapshot[]") }
    }
}
