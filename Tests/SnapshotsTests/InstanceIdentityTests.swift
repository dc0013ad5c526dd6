import Foundation
@testable import Snapshots
import Testing

struct InstanceIdentityTests {
    let machineID = "4c4c4544004d3510804bb4c04f4e3232"

    @Test func theInstanceIDIsAPureFunctionOfTheMachineID() throws {
        let id = try InstanceIdentity.instanceID(machineID: machineID + "\n")
        #expect(id.kind == .instance)
        #expect(id.rawValue.wholeMatch(of: #/i-[a-z0-9]{20}/#) != nil)
        // Pinned: a change here changes every host's instance ID.
        #expect(id.rawValue == "i-pt18ty0v4icgu2vnutq0")
        #expect(try InstanceIdentity.instanceID(machineID: machineID) == id, "the file's newline does not matter")
        #expect(try InstanceIdentity.instanceID(machineID: machineID.uppercased()) == id)
    }

    @Test func machinesThatDifferInOneDigitGetUnrelatedIDs() throws {
        let a = try InstanceIdentity.instanceID(machineID: machineID)
        let b = try InstanceIdentity.instanceID(machineID: String(machineID.dropLast()) + "3")
        #expect(a != b)
        let shared = zip(a.body, b.body).filter { $0 == $1 }.count
        #expect(shared < 8, "\(a) and \(b) share \(shared) positions")
    }

    @Test(arguments: ["", "uninitialized\n", "4c4c4544004d3510804bb4c04f4e323", "4c4c4544004d3510804bb4c04f4e3232a",
                      "4c4c4544-004d-3510-804b-b4c04f4e3232", "zc4c4544004d3510804bb4c04f4e3232", String(repeating: "0", count: 32)])
    func malformedMachineIDsAreRefused(contents: String) {
        #expect(throws: InstanceIdentity.Error.self) { try InstanceIdentity.instanceID(machineID: contents) }
    }

    @Test func theFileIsReadAndAMissingFileIsExplained() throws {
        let path = NSTemporaryDirectory() + "machine-id-\(UUID().uuidString)"
        try (machineID + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try InstanceIdentity.instanceID(machineIDPath: path) == InstanceIdentity.instanceID(machineID: machineID))
        let error = try #require(throws: InstanceIdentity.Error.self) { try InstanceIdentity.instanceID(machineIDPath: path + ".missing") }
        #expect(error.description.contains(path + ".missing"))
    }

    @Test func thisHostHasAStableInstanceIDWhenItHasAMachineID() throws {
        guard FileManager.default.fileExists(atPath: InstanceIdentity.machineIDPath) else { return }
        #expect(try InstanceIdentity.instanceID() == InstanceIdentity.instanceID())
    }
}
