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

    /// A name for a disk, snapshot or group, by the rules of `Names`, in the
    /// form it is stored in (NFC). ECS's own: 2 to 128 code points, starting
    /// with a letter, then letters, digits, ':', '_', '-' or '.'; not starting
    /// with http:// or https://. dmsnap's: at most 255 bytes, not starting with
    /// an ID's prefix, and with `reservingAuto` (snapshots, groups) not with "auto".
    static func name(_ given: String, what: String, reservingAuto: Bool = false) throws -> String {
        let name = Names.normalized(given)
        let codePoints = name.unicodeScalars.count
        guard Names.codePoints.contains(codePoints) else {
            throw SnapshotsError(.invalidName, """
                the \(what) \(shown(name)) must be \(Names.codePoints.lowerBound) to \(Names.codePoints.upperBound) \
                characters long (Unicode code points: an accent is one of its own); it has \(codePoints)
                """)
        }
        guard name.utf8.count <= Names.maxBytes else {
            throw SnapshotsError(.invalidName, "the \(what) \(shown(name)) is \(name.utf8.count) bytes of UTF-8; a name takes at most \(Names.maxBytes)")
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
        if let kind = Names.idPrefix(of: name) {
            throw SnapshotsError(.invalidName, """
                the \(what) \(shown(name)) starts with \(kind.prefix), the prefix of \(kind == .instance ? "an" : "a") \(kind.noun) ID: a name must not \
                look like an ID, which a DISK or SNAPSHOT argument is taken as
                """)
        }
        if reservingAuto, name.hasPrefix("auto") {
            throw SnapshotsError(.invalidName, "the \(what) \(shown(name)) starts with \"auto\", which ECS keeps for automatic snapshots")
        }
        return name
    }

    /// ECS descriptions: up to 256 code points (so at most 1 KiB), no control characters.
    static func requireDescription(_ text: String) throws {
        let codePoints = text.unicodeScalars.count
        guard codePoints <= Names.maxDescriptionCodePoints, text.utf8.count <= Names.maxDescriptionBytes else {
            throw SnapshotsError(.invalidDescription, """
                the description is \(codePoints) characters (Unicode code points) long; it takes at most \(Names.maxDescriptionCodePoints)
                """)
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
