@testable import ECS
import Testing

struct OutputColumnsTests {
    let response = """
        {"RequestId":"R","TotalCount":2,"Snapshots":{"Snapshot":[
          {"SnapshotId":"s-aaaaaaaaaaaaaaaaaaaa","Status":"accomplished","SourceDiskSize":"20","Progress":"100%","RetentionDays":7,"Encrypted":false},
          {"SnapshotId":"s-bbbbbbbbbbbbbbbbbbbb","Status":"accomplished","SourceDiskSize":"5","Progress":"100%","Encrypted":true}]}}
        """

    @Test func printsHeaderDashesAndRowsSeparatedLikeGoTabwriterDebug() throws {
        let output = try OutputColumns(arguments: ["cols=SnapshotId,Status", "rows=Snapshots.Snapshot[]"]).render(json: response)
        #expect(output == """
            SnapshotId             |Status
            ----------             |------
            s-aaaaaaaaaaaaaaaaaaaa |accomplished
            s-bbbbbbbbbbbbbbbbbbbb |accomplished

            """)
    }

    @Test func findsTheRowsByItselfWhenRowsIsOmitted() throws {
        let output = try OutputColumns(arguments: ["cols=SnapshotId"]).render(json: response)
        #expect(output.split(separator: "\n").count == 4)
        #expect(output.hasPrefix("SnapshotId\n----------\ns-aaaaaaaaaaaaaaaaaaaa\n"))
    }

    @Test func missingFieldsNumbersAndBooleansPrintAsGoPrintsThem() throws {
        let output = try OutputColumns(arguments: ["cols=RetentionDays,Encrypted,SourceDiskSize"]).render(json: response)
        #expect(output == """
            RetentionDays |Encrypted |SourceDiskSize
            ------------- |--------- |--------------
            7             |false     |20
            <nil>         |true      |5

            """)
    }

    @Test func theColumnWidthCountsCharactersNotBytes() throws {
        let json = #"{"A":{"B":[{"Name":"快照一","X":"1"},{"Name":"ab","X":"2"}]}}"#
        let output = try OutputColumns(arguments: ["cols=Name,X"]).render(json: json)
        #expect(output == "Name |X\n---- |-\n快照一  |1\nab   |2\n")
    }

    @Test func numAddsARowNumberColumn() throws {
        let output = try OutputColumns(arguments: ["cols=Status num=true"]).render(json: response)
        #expect(output.hasPrefix("Num |Status\n--- |------\n0   |accomplished\n1   |accomplished\n"))
    }

    @Test(arguments: [["rows=A[]"], ["cols="], ["colz=A"], ["cols=A rows=B[x]"], ["nonsense"], ["cols=A..B"]])
    func malformedOutputArgumentsAreRefused(words: [String]) {
        #expect(throws: OutputColumns.Error.self) { try OutputColumns(arguments: words) }
    }

    @Test func rowsThatAreNotAnArrayAreAClearError() throws {
        let error = try #require(throws: OutputColumns.Error.self) {
            try OutputColumns(arguments: ["cols=A", "rows=TotalCount"]).render(json: response)
        }
        #expect(error.description.contains("TotalCount"))
    }

    @Test func goFloatFormattingMatchesPercentV() {
        #expect(GoFloat.format(100) == "100")
        #expect(GoFloat.format(1.5) == "1.5")
        #expect(GoFloat.format(1e21) == "1e+21")
        #expect(GoFloat.format(0.00001) == "1e-05")
        #expect(GoFloat.format(-3) == "-3")
    }

    @Test func jmespathIndexesAndProjects() throws {
        let document: [String: Any] = ["A": ["B": [["C": 1], ["C": 2], ["D": 3]]]]
        #expect(try JMESPath("A.B[0].C").search(document) as? Int == 1)
        #expect(try JMESPath("A.B[-1].D").search(document) as? Int == 3)
        #expect(try (JMESPath("A.B[].C").search(document) as? [Any])?.count == 2)
        #expect(try JMESPath("A.\"B\"[1].C").search(document) as? Int == 2)
        #expect(try JMESPath("A.Missing").search(document) == nil)
    }
}
