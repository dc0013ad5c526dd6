import Foundation
import Testing

/// A malformed ID is answered as ECS answers it (`Invalid…Id.NotFound`) before
/// dmsnap takes the lock or runs recovery, which touch the kernel: on this host,
/// without device-mapper, the answer is about the ID, not the missing driver.
struct MalformedIDTests {
    static let cases: [([String], String)] = [
        (["CreateSnapshot", "--DiskId", "d-"], "InvalidDiskId.NotFound"),
        (["DeleteDisk", "--DiskId", "d-AAAAAAAAAAAAAAAAAAAA"], "InvalidDiskId.NotFound"),
        (["DeleteSnapshot", "--SnapshotId", "s-short"], "InvalidSnapshotId.NotFound"),
        (["ModifySnapshotAttribute", "--SnapshotId", "ssg-aaaaaaaaaaaaaaaaaaaa"], "InvalidSnapshotId.NotFound"),
        (["CreateDisk", "--SnapshotId", "s-../../etc/passwd000"], "InvalidSnapshotId.NotFound"),
        (["ResetDisk", "--DiskId", "d-aaaaaaaaaaaaaaaaaaaa", "--SnapshotId", "s-"], "InvalidSnapshotId.NotFound"),
        (["ResetDisks", "--Disk.1.DiskId", "d-x", "--Disk.1.SnapshotId", "s-aaaaaaaaaaaaaaaaaaaa"], "InvalidDiskId.NotFound"),
    ]

    @Test(arguments: cases)
    func aMalformedIDIsNotFoundBeforeTheLock(arguments: [String], code: String) throws {
        let scratch = try DMSnapBinary.scratchDirectory("badid")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let state = scratch + "/state"
        let result = try DMSnapBinary.run(arguments + ["--state-dir", state])
        #expect(result.status == 1)
        #expect(Verdict.ecsErrorProblems(result.errorText.trimmingCharacters(in: .whitespacesAndNewlines)) == [])
        #expect(result.errorText.contains("\"Code\":\"\(code)\""), "\(result.errorText)")
        #expect(!FileManager.default.fileExists(atPath: state + "/lock"), "the lock was never taken")
    }
}
