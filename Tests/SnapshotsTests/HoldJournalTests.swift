import Foundation
@testable import Snapshots
import Testing

/// The hold journal's files in /run/dmsnap (a temporary directory here).
struct HoldJournalTests {
    static func journal() -> HoldJournal {
        HoldJournal(holds: [.suspend(device: "dmsnap-d-0123456789abcdefghij", lockfs: false)],
                    holderPID: getpid(), deadline: Date().addingTimeInterval(10))
    }

    /// One process may hold two groups at once (two state directories): the
    /// second journal must neither replace nor remove the first.
    @Test func twoHoldsOfOneProcessKeepTwoJournals() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmsnap-journal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try Self.journal().write(directory: directory)
        var other = Self.journal()
        other.holds = [.freezeFilesystem(mountPoint: "/srv", device: "dmsnap-d-klmnopqrstuvwxyz0123")]
        let second = try other.write(directory: directory)
        #expect(first != second)
        #expect(try HoldJournal.read(first).holds == Self.journal().holds)
        #expect(try HoldJournal.read(second).holds == other.holds)
        #expect(HoldJournal.leftovers(directory: directory) == [first, second].sorted())
    }

    @Test func onlyTheNamesWriteMakesAreJournals() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dmsnap-journal-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let written = try Self.journal().write(directory: directory)
        #expect(HoldJournal.isJournalName(URL(fileURLWithPath: written).lastPathComponent))
        for name in ["hold-12.json", "hold-12-.json", "hold--abc.json", "hold-12-abc-def.json", "hold-12-ABC.json",
                     "hold-+12-abc.json", "hold-12-abc.json.tmp", "hold-12-../x.json", "x-hold-12-abc.json"] {
            #expect(!HoldJournal.isJournalName(name), "\(name)")
        }
    }
}
