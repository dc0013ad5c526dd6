import Foundation
import Testing

/// An ECS verb that cannot parse its command line still answers as ECS does:
/// one JSON error on stderr, so automation needs one error parser, not two.
struct ECSUsageErrorTests {
    static func run(_ arguments: [String]) throws -> Invocation.Result {
        try Invocation(DMSnapBinary.path, arguments).run()
    }

    @Test(arguments: [
        (["CreateSnapshot"], "MissingParameter"),
        (["ResetDisk", "--DiskId", "d-aaaaaaaaaaaaaaaaaaaa"], "MissingParameter"),
        (["CreateSnapshot", "--DiskId", "d-aaaaaaaaaaaaaaaaaaaa", "--Bogus"], "InvalidParameter"),
        (["DescribeDisks", "--PageSize", "many"], "InvalidParameter"),
        (["DescribeDisks", "stray"], "InvalidParameter"),
        (["CreateDisk", "--Size", "0"], "InvalidParameter"),
        (["ResetDisks", "--Disk.1.DiskId"], "InvalidParameter"),
    ])
    func aVerbsUsageErrorIsOneECSErrorObject(arguments: [String], code: String) throws {
        let result = try Self.run(arguments)
        #expect(result.status == 64, "ArgumentParser's usage status")
        #expect(Verdict.ecsErrorProblems(result.errorText.trimmingCharacters(in: .whitespacesAndNewlines)) == [], "\(result.errorText)")
        let object = try JSONSerialization.jsonObject(with: Data(result.errors)) as? [String: Any]
        #expect(object?["Code"] as? String == code)
        #expect(result.output.isEmpty)
    }

    @Test func aVerbsHelpIsStillHelp() throws {
        let result = try Self.run(["CreateSnapshot", "--help"])
        #expect(result.status == 0)
        #expect(result.outputText.contains("USAGE: dmsnap CreateSnapshot"))
    }

    @Test func theEverydaySpellingKeepsArgumentParsersText() throws {
        let result = try Self.run(["disks", "--bogus"])
        #expect(result.status == 64)
        #expect(result.errorText.hasPrefix("Error: Unknown option '--bogus'"))
    }
}
