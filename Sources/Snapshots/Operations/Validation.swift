import Foundation

/// Checks of user input, applied before anything is recorded or sent to the kernel.
enum Validation {
    /// A well-formed ID of `kind`; a malformed one is reported as not found, as ECS does.
    static func requireID(_ id: String, kind: ResourceID.Kind) throws {
        do {
            _ = try ResourceID(parsing: id, as: kind)
        } catch {
            let code: SnapshotsError.Code = kind == .disk ? .invalidDiskIdNotFound : .invalidSnapshotIdNotFound
            throw SnapshotsError(code, error.description)
        }
    }

    /// ECS names: 2 to 128 characters, starting with a letter, then letters,
    /// digits, ':', '_', '-' or '.'; not starting with http:// or https://.
    static func requireName(_ name: String, what: String) throws {
        guard (2...128).contains(name.count) else {
            throw SnapshotsError(.invalidName, "the \(what) \(shown(name)) must be 2 to 128 characters long")
        }
        guard let first = name.first, first.isLetter else {
            throw SnapshotsError(.invalidName, "the \(what) \(shown(name)) must start with a letter")
        }
        if name.hasPrefix("http://") || name.hasPrefix("https://") {
            throw SnapshotsError(.invalidName, "the \(what) \(shown(name)) must not start with http:// or https://")
        }
        if let bad = name.first(where: { !($0.isLetter || $0.isNumber || ":_-.".contains($0)) }) {
            throw SnapshotsError(.invalidName, "the \(what) \(shown(name)) contains \(shown(String(bad))); use letters, digits, ':', '_', '-' and '.'")
        }
    }

    /// ECS descriptions: up to 256 characters, no control characters.
    static func requireDescription(_ text: String) throws {
        guard text.count <= 256 else {
            throw SnapshotsError(.invalidDescription, "the description is longer than 256 characters")
        }
        if text.hasPrefix("http://") || text.hasPrefix("https://") {
            throw SnapshotsError(.invalidDescription, "the description must not start with http:// or https://")
        }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw SnapshotsError(.invalidDescription, "the description contains a control character")
        }
    }

    /// Pool names become part of device names: [A-Za-z0-9_.+-], 1 to 64, not starting with '-'.
    static func requirePoolName(_ name: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.+-")
        guard (1...64).contains(name.count), !name.hasPrefix("-"), name != ".", name != "..", name.allSatisfy(allowed.contains) else {
            throw SnapshotsError(.invalidName, "\(shown(name)) is not a valid pool name (1 to 64 of A-Z a-z 0-9 _ . + -, not starting with '-')")
        }
    }

    /// User text quoted for an error message: escaped and cut short. Not
    /// `debugDescription`, which leaves C1 controls such as CSI (U+009B) and bidi
    /// overrides raw, and whose cut by Characters a flood of combining marks escapes.
    static func shown(_ text: String) -> String {
        UntrustedText.quoted(text, limit: 80)
    }
}
