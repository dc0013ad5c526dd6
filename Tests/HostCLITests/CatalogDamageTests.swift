import Foundation
import Testing
import TestSupport

/// Issue 7, item 4 (the error part): a truncated, overwritten or deleted
/// catalog gets a clear error that names the file and says what to do, a
/// non-zero exit, and the damaged file is never repaired or replaced.
struct CatalogDamageTests {
    /// Ways a catalog gets damaged, each applied to a real catalog file.
    enum Damage: String, CaseIterable {
        case truncatedToHalf, truncatedInsideTheHeader, headerOverwritten, tablePageOverwritten, tablePageZeroed

        /// Found before SQLite opens the file, not only when a query reads the bad page.
        var foundBeforeOpening: Bool { [.truncatedToHalf, .truncatedInsideTheHeader, .headerOverwritten].contains(self) }

        func apply(to path: String, marker: String) throws {
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            var random = SplitMix64(seed: 0xDA4A6E)
            let pageSize = Int(bytes[16]) << 8 | Int(bytes[17])
            // The page holding one snapshot row: `snapshots` must read it.
            let rowPage = (bytes.firstRange(of: Array(marker.utf8))?.lowerBound ?? 0) / pageSize * pageSize
            switch self {
            case .truncatedToHalf: bytes = Array(bytes.prefix(bytes.count / 2))
            case .truncatedInsideTheHeader: bytes = Array(bytes.prefix(40))
            case .headerOverwritten: for index in 0..<100 { bytes[index] = UInt8.random(in: 0...255, using: &random) }
            case .tablePageOverwritten:
                for index in rowPage..<rowPage + pageSize { bytes[index] = UInt8.random(in: 0...255, using: &random) }
            case .tablePageZeroed: for index in rowPage..<rowPage + pageSize { bytes[index] = 0 }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
    }

    /// Commands that read every snapshot row (no device-mapper needed; a name
    /// has no index, so DescribeSnapshots looks at every row for it, where a
    /// plain first page reads only its own rows); when the damage shows before
    /// the open, also ones that would change state (on this host they would
    /// otherwise stop at the missing device-mapper).
    static func commands(_ seeded: SeededState, _ damage: Damage) -> [[String]] {
        [["snapshots"], ["DescribeSnapshots", "--SnapshotName", "no-such-name"]]
            + (damage.foundBeforeOpening ? [["CreateSnapshot", "--DiskId", seeded.diskId], ["recover"]] : [])
    }

    @Test(arguments: Damage.allCases)
    func aDamagedCatalogIsNamedAndLeftAsItIs(damage: Damage) throws {
        let scratch = try DMSnapBinary.scratchDirectory("damage")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let seeded = try SeededState(directory: scratch + "/state", extraSnapshots: 300)
        let catalog = seeded.directory + "/catalog.sqlite"
        try damage.apply(to: catalog, marker: "row 150 ")
        let damaged = [UInt8](try Data(contentsOf: URL(fileURLWithPath: catalog)))
        let entries = try FileManager.default.contentsOfDirectory(atPath: seeded.directory).sorted()

        for command in Self.commands(seeded, damage) {
            let result = try DMSnapBinary.run(command + ["--state-dir", seeded.directory])
            let ecs = command[0].first?.isUppercase == true
            #expect(result.status == 1, "\(damage) \(command): exit \(String(describing: result.status)): \(result.errorText)")
            #expect(Verdict.problems(result, ecsVerb: ecs) == [], "\(damage) \(command)")
            #expect(result.errorText.contains("the catalog \(catalog) is damaged"), "\(damage) \(command): \(result.errorText)")
            #expect(result.errorText.contains("dmsnap recover --rebuild") && result.errorText.contains("backup"), "says what to do")
            if ecs { #expect(result.errorText.contains("\"Code\":\"InternalError.CatalogDamaged\"")) }
        }
        let after = [UInt8](try Data(contentsOf: URL(fileURLWithPath: catalog)))
        let unchanged = after == damaged
        #expect(unchanged, "\(damage): the file is byte for byte as it was")
        #expect(try FileManager.default.contentsOfDirectory(atPath: seeded.directory).sorted() == entries,
                "no file appeared or vanished beside the catalog")
    }

    @Test(arguments: [false, true])
    func aCatalogGoneFromAUsedDirectoryIsNotSilentlyStartedAgain(leftEmpty: Bool) throws {
        let scratch = try DMSnapBinary.scratchDirectory("missing")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let seeded = try SeededState(directory: scratch + "/state")
        let catalog = seeded.directory + "/catalog.sqlite"
        try FileManager.default.removeItem(atPath: catalog)
        if leftEmpty { _ = FileManager.default.createFile(atPath: catalog, contents: Data()) }

        for command in [["disks"], ["DescribeSnapshots"], ["CreateSnapshot", "--DiskId", seeded.diskId]] {
            let result = try DMSnapBinary.run(command + ["--state-dir", seeded.directory])
            #expect(result.status == 1, "\(command): \(result.errorText)")
            #expect(Verdict.problems(result, ecsVerb: command[0].first?.isUppercase == true) == [])
            #expect(result.errorText.contains("the catalog \(catalog) is \(leftEmpty ? "empty" : "missing")"), "\(result.errorText)")
            #expect(result.errorText.contains("run `dmsnap recover` to start an empty one"))
        }
        #expect(FileManager.default.fileExists(atPath: catalog) == leftEmpty, "no catalog was started")

        // recover starts one, says so, and then goes on (to fail here: no device-mapper).
        let recovered = try DMSnapBinary.run(["recover", "--state-dir", seeded.directory])
        #expect(recovered.outputText.contains("Started a new, empty catalog in \(seeded.directory)"), "\(recovered.outputText)")
        let listed = try DMSnapBinary.run(["snapshots", "--state-dir", seeded.directory])
        #expect(listed.status == 0, "\(listed.errorText)")
        #expect(listed.outputText.split(separator: "\n").count == 1, "only the header: the old records are gone")
    }

    /// --rebuild only fills a new catalog: over one that can be read and holds
    /// records it stops before the lock is used or the kernel is touched.
    @Test func aRebuildOverAReadableCatalogIsRefusedAndLeavesItAsItIs() throws {
        let scratch = try DMSnapBinary.scratchDirectory("rebuild")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let seeded = try SeededState(directory: scratch + "/state")
        let catalog = seeded.directory + "/catalog.sqlite"
        let before = try Data(contentsOf: URL(fileURLWithPath: catalog))
        let result = try DMSnapBinary.run(["recover", "--rebuild", "--state-dir", seeded.directory])
        #expect(result.status == 1)
        #expect(Verdict.problems(result, ecsVerb: false) == [])
        #expect(result.errorText.contains("the catalog \(catalog) can be read and holds 1 pool, 2 disks"), "\(result.errorText)")
        #expect(result.errorText.contains("move it aside with its -wal and -shm files"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: catalog)) == before)
    }

    @Test func theFirstRunStartsACatalogWithoutAWord() throws {
        let scratch = try DMSnapBinary.scratchDirectory("first")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let result = try DMSnapBinary.run(["snapshots", "--state-dir", scratch + "/state"])
        #expect(result.status == 0)
        #expect(result.errors.isEmpty)
        #expect(FileManager.default.fileExists(atPath: scratch + "/state/catalog.sqlite"))
    }
}
