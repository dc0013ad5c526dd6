import Foundation
import Testing

/// A command line dmsnap cannot parse gets an error that is safe to print,
/// and an ECS verb's still answers as ECS does: one JSON error on stderr, so
/// automation needs one error parser, not two.
struct UsageErrorTests {
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

    /// ECS's InstantAccess parameters are refused when out of range or
    /// contradictory, before a state directory is made: none is accepted and ignored.
    @Test(arguments: [
        (["--InstantAccessRetentionDays", "0"], "between 1 and 65535"),
        (["--InstantAccessRetentionDays", "65536"], "between 1 and 65535"),
        (["--InstantAccess", "false", "--InstantAccessRetentionDays", "3"], "give one or the other"),
        (["--InstantAccess", "maybe"], "InstantAccess"),
    ])
    func createSnapshotRefusesBadInstantAccessParameters(extra: [String], says: String) throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("dmsnap-usage-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        let result = try Self.run(["CreateSnapshot", "--DiskId", "d-aaaaaaaaaaaaaaaaaaaa"] + extra + ["--state-dir", state])
        #expect(result.status == 64, "\(result.errorText)")
        let object = try JSONSerialization.jsonObject(with: Data(result.errors)) as? [String: Any]
        #expect(object?["Code"] as? String == "InvalidParameter")
        #expect((object?["Message"] as? String)?.contains(says) == true, "\(result.errorText)")
        #expect(!FileManager.default.fileExists(atPath: state), "nothing was created")
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

    /// `--pool` names a pool for a rebuild to take; without --rebuild it is a
    /// usage error, refused before a state directory is even made.
    @Test func recoverRefusesPoolWithoutRebuild() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("dmsnap-usage-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        let result = try Self.run(["recover", "--pool", "data", "--state-dir", state])
        #expect(result.status == 64, "\(result.errorText)")
        #expect(result.errorText.contains("--pool only goes with --rebuild"), "\(result.errorText)")
        #expect(!FileManager.default.fileExists(atPath: state), "nothing was created")
        #expect(result.output.isEmpty)
    }

    /// --force overwrites given devices; with --file-backed there are none.
    @Test func forceWithAFileBackedPoolIsAUsageError() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("dmsnap-usage-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        let result = try Self.run(["pool", "create", "p", "--file-backed", "1G", "--force", "--state-dir", state])
        #expect(result.status == 64, "\(result.errorText)")
        #expect(result.errorText.contains("--force overwrites --data and --metadata devices"), "\(result.errorText)")
        #expect(!FileManager.default.fileExists(atPath: state), "nothing was created")
    }

    @Test(arguments: [["dm", "ls"], ["snapshot", "create"], ["DescribeSnapshots", "--PageSize"], ["ResetDisk", "--Deferred"]])
    func hostileTextInAUsageErrorIsEscapedAndCutShort(command: [String]) throws {
        let hostile = "a\u{1B}[2J\u{1B}]0;owned\u{7}\u{202E}gpj.exe\r" + String(repeating: "x", count: 100_000)
        let result = try Self.run(command + [hostile, hostile])
        #expect(result.status == 64)
        #expect(Verdict.rawControlCharacters(result.errorText).isEmpty, "\(result.errorText.prefix(300))")
        #expect(result.errors.count < 4096, "\(result.errors.count) bytes")
        #expect(result.errorText.contains("u{1B}[2J"), "the text is still there, escaped: \(result.errorText.prefix(300))")
    }
}
