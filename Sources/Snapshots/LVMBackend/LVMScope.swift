import Foundation
import LVM

/// Which volume groups dmsnap treats as holding disks: all by default, some,
/// or none (`DMSNAP_LVM_VOLUME_GROUPS=vg0,vg1`, or empty to leave LVM alone).
public enum LVMScope: Sendable, Equatable {
    case all
    case only(Set<String>)

    public static let environmentVariable = "DMSNAP_LVM_VOLUME_GROUPS"

    public static func fromEnvironment() throws -> LVMScope {
        guard let text = ProcessInfo.processInfo.environment[environmentVariable] else { return .all }
        var names = Set<String>()
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            do { names.insert(try LVMName(volumeGroup: name).value) } catch {
                throw SnapshotsError(.invalidParameter, "\(environmentVariable): \(error)")
            }
        }
        return .only(names)
    }

    var isOff: Bool { self == .only([]) }

    func contains(_ volumeGroup: String?) -> Bool {
        switch self {
        case .all: true
        case .only(let names): volumeGroup.map(names.contains) ?? false
        }
    }
}

extension SnapshotService {
    /// Discovery for the listing commands: under the operation lock (it writes
    /// IDs), and skipped when LVM is out of scope. Nil when skipped.
    @discardableResult
    func discoverLVMIfEnabled() throws -> LVMInventory? {
        guard !lvmScope.isOff else { return nil }
        let lock = try OperationLock(stateDirectory: stateDirectory)
        defer { withExtendedLifetime(lock) {} }
        return try withLVM { session in try discoverLVM(session) }
    }
}
