import Foundation
import Testing

/// Issue 7, item 7: a user other than root is told that dmsnap needs root,
/// before anything is created or opened; what root creates is private.
struct PermissionTests {
    static let commands: [[String]] = [
        ["disks"], ["snapshots"], ["snapshot", "create", "web"], ["pool", "create", "p", "--file-backed", "1G"],
        ["recover"], ["activate"], ["rollback", "web", "before"],
        ["DescribeSnapshots"], ["CreateSnapshot", "--DiskId", "d-aaaaaaaaaaaaaaaaaaaa"], ["CreateDisk", "--Size", "1"],
    ]

    @Test(arguments: commands)
    func nobodyIsToldRootIsNeededAndNothingIsCreated(command: [String]) throws {
        // World-writable, so a state directory would be created if dmsnap tried.
        let parent = try DMSnapBinary.scratchDirectory("nonroot", mode: 0o1777)
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let state = parent + "/state"
        let result = try DMSnapBinary.run(
            ["--reuid=nobody", "--regid=nogroup", "--clear-groups", DMSnapBinary.path] + command + ["--state-dir", state],
            via: "/usr/bin/setpriv")
        #expect(result.status != nil && result.status != 0, "\(command): exit \(String(describing: result.status))")
        #expect(result.errorText.contains("must run as root"), "\(command): \(result.errorText)")
        if command[0].first?.isUppercase == true {
            #expect(Verdict.ecsErrorProblems(result.errorText.trimmingCharacters(in: .whitespacesAndNewlines)) == [])
            #expect(result.errorText.contains("\"Code\":\"Forbidden\""), "\(result.errorText)")
        }
        #expect(!FileManager.default.fileExists(atPath: state), "\(command) created the state directory")
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent).isEmpty)
    }

    @Test func whatDmsnapCreatesIsPrivateWhateverTheUmask() throws {
        let scratch = try DMSnapBinary.scratchDirectory("umask")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let state = scratch + "/state"
        // recover opens the catalog and takes the lock (then fails here: no device-mapper).
        _ = try DMSnapBinary.run(["-c", "umask 000 && exec \"$0\" recover --state-dir \"$1\"", DMSnapBinary.path, state],
                                 via: "/bin/sh")
        func mode(_ path: String) throws -> Int? { try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int }
        #expect(try mode(state) == 0o700)
        #expect(try mode(state + "/catalog.sqlite") == 0o600)
        #expect(try mode(state + "/lock") == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: state).sorted() == ["catalog.sqlite", "lock"])
    }
}
