import Foundation

/// The one rule for the names of disks, snapshots and snapshot groups,
/// whatever makes them: a user, a group naming its members, a rebuild.
///
/// - A name is compared, stored and linked (/dev/dmsnap/NAME) in Unicode
///   normalization form C, so "café" typed precomposed or with a combining
///   accent is one name.
/// - ECS's limits count Unicode code points (2 to 128 for a name, up to 256
///   for a description), not what a terminal shows as one character: one
///   letter with a thousand combining accents is a thousand and one. A name is
///   also at most 255 bytes of UTF-8 (Linux's NAME_MAX), so that every disk
///   name can be its /dev/dmsnap link.
/// - A name never starts with a resource ID's prefix (`d-`, `s-`, `ssg-`,
///   `i-`, in any case): an argument that starts with one is taken as an ID,
///   so such a name could point at another disk or at none.
/// - Snapshot and group names never start with "auto" (ECS keeps those for
///   automatic snapshots, and a group's members are named after it).
public enum Names {
    public static let codePoints = 2...128
    public static let maxBytes = 255
    public static let maxDescriptionCodePoints = 256
    /// Every code point is at most 4 bytes: this bound follows from the count.
    public static let maxDescriptionBytes = 4 * maxDescriptionCodePoints

    /// The form a name is compared, stored and linked in.
    public static func normalized(_ name: String) -> String {
        name.precomposedStringWithCanonicalMapping
    }

    /// The kind of resource whose ID prefix `name` starts with, in any case.
    public static func idPrefix(of name: String) -> ResourceID.Kind? {
        ResourceID.Kind.allCases.first { kind in
            name.utf8.count >= kind.prefix.utf8.count
                && name.utf8.prefix(kind.prefix.utf8.count).elementsEqual(kind.prefix.utf8) { $0 | 0x20 == $1 }
        }
    }

    /// The name of member `index` (from 1) of a group named `groupName`:
    /// `NAME-N`, with NAME cut (code points off its end) so that the member's
    /// name keeps within the limits. A group without a name gives none: its
    /// members are named by their IDs, as is any snapshot made without a name.
    public static func member(ofGroup groupName: String?, index: Int) -> String? {
        guard let groupName else { return nil }
        let suffix = "-\(index)"
        var stem = Array(normalized(groupName).unicodeScalars)
        while true {
            let name = normalized(String(String.UnicodeScalarView(stem))) + suffix
            if name.unicodeScalars.count <= codePoints.upperBound && name.utf8.count <= maxBytes { return name }
            stem.removeLast()
        }
    }

    /// The name of a thin device that a rebuild found without a record.
    static func recovered(pool: String, thinId: UInt32) -> String {
        // Pool names may hold '+', which names may not.
        "recovered-\(pool.replacingOccurrences(of: "+", with: "_"))-\(thinId)"
    }
}
