import Foundation
import Testing

/// Issue 16, item 9: a state directory others can write, or one under a
/// directory others can write (unless that one is sticky and root's, as /tmp
/// is), is refused with an error that says why; dmsnap neither changes its
/// mode (it used to chmod it 0700 silently) nor creates anything in it.
struct WritableStateDirectoryTests {
    static let commands: [[String]] = [["recover"], ["recover", "--rebuild"], ["activate"], ["disks"], ["DescribeSnapshots"]]

    @Test(arguments: commands)
    func aStateDirectoryAnyoneCanWriteIsRefusedAndLeftAsItWas(command: [String]) throws {
        let scratch = try DMSnapBinary.scratchDirectory("ww")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let state = scratch + "/ww"
        try #require(mkdir(state, 0o777) == 0 && chmod(state, 0o777) == 0)
        let result = try DMSnapBinary.run(command + ["--state-dir", state])
        #expect(result.status == 1, "\(command): exit \(String(describing: result.status))")
        #expect(result.errorText.contains(state) && result.errorText.contains("writable by anyone")
                && result.errorText.contains("mode 777"), "\(result.errorText)")
        #expect(try FileManager.default.attributesOfItem(atPath: state)[.posixPermissions] as? Int == 0o777, "its mode is left as it was")
        #expect(try FileManager.default.contentsOfDirectory(atPath: state).isEmpty, "nothing was created in it")
        #expect(Verdict.problems(result, ecsVerb: command[0].first?.isUppercase == true) == [])
    }

    @Test func aStateDirectoryUnderADirectoryAnyoneCanWriteIsRefusedAndNotCreated() throws {
        let parent = try DMSnapBinary.scratchDirectory("wwparent", mode: 0o777)
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let state = parent + "/state"
        let result = try DMSnapBinary.run(["recover", "--state-dir", state])
        #expect(result.status == 1)
        #expect(result.errorText.contains("the directory \(parent) on its path") && result.errorText.contains("not sticky"),
                "\(result.errorText)")
        #expect(!FileManager.default.fileExists(atPath: state))
    }

    /// /tmp itself (1777, root's): others cannot rename or remove root's
    /// entries there, so a state directory under it is fine.
    @Test func underAStickyDirectoryOfRootsTheStateDirectoryIsMade() throws {
        let parent = try DMSnapBinary.scratchDirectory("sticky", mode: 0o1777)
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let state = parent + "/state"
        let result = try DMSnapBinary.run(["recover", "--state-dir", state])
        #expect(!result.errorText.contains("writable by"), "\(result.errorText)")
        #expect(try FileManager.default.attributesOfItem(atPath: state)[.posixPermissions] as? Int == 0o700)
    }
}
