import Foundation
import Testing

/// Issue 7, item 7: the lock and the catalog's files cannot be pointed
/// elsewhere by a link planted in the state directory. dmsnap refuses with an
/// error naming the file, and the file the link leads to is left as it was.
///
/// (Nothing of dmsnap's lives under /run in this branch: the guardian's journal
/// comes with the snapshot-group work and should use the same check.)
struct PlantedLinkTests {
    enum Link: String, CaseIterable { case symbolic, hard }

    static let files = ["lock", "catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm", "catalog.sqlite-journal"]

    @Test(arguments: files, Link.allCases)
    func aPlantedLinkIsRefusedAndItsTargetLeftAlone(file: String, link: Link) throws {
        let scratch = try DMSnapBinary.scratchDirectory("link")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let seeded = try SeededState(directory: scratch + "/state")
        // What an attacker would most like dmsnap to write: another SQLite
        // database (SQLite would open and write it), or any file.
        let target = scratch + "/elsewhere"
        if file == "catalog.sqlite" {
            try FileManager.default.copyItem(atPath: seeded.directory + "/catalog.sqlite", toPath: target)
        } else {
            try Data("precious\n".utf8).write(to: URL(fileURLWithPath: target))
        }
        let planted = seeded.directory + "/" + file
        try? FileManager.default.removeItem(atPath: planted)
        switch link {
        case .symbolic: try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: target)
        case .hard: try FileManager.default.linkItem(atPath: target, toPath: planted)
        }
        let targetBefore = try Data(contentsOf: URL(fileURLWithPath: target))
        let scratchBefore = try FileManager.default.contentsOfDirectory(atPath: scratch).sorted()

        // `disks` reads the catalog but takes no lock.
        let commands = (file == "lock" ? [] : [["disks"]])
            + [["recover"], ["CreateSnapshot", "--DiskId", seeded.diskId], ["snapshot", "delete", "before"]]
        for command in commands {
            let result = try DMSnapBinary.run(command + ["--state-dir", seeded.directory])
            #expect(result.status == 1, "\(command): exit \(String(describing: result.status)): \(result.errorText)")
            #expect(result.errorText.contains(planted), "\(command) names \(planted): \(result.errorText)")
            #expect(result.errorText.contains(link == .symbolic ? "is a symbolic link" : "hard links"), "\(result.errorText)")
            #expect(Verdict.problems(result, ecsVerb: command[0] == "CreateSnapshot") == [])
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == targetBefore, "the target is unchanged")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).sorted() == scratchBefore,
                "nothing appeared beside the target (no -wal or -shm of its own)")
        var status = stat()
        #expect(lstat(planted, &status) == 0 && (status.st_mode & S_IFMT == S_IFLNK) == (link == .symbolic),
                "the link is still there, not replaced")
    }
}
