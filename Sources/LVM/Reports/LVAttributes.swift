/// The ten characters of `lv_attr` (see `man lvs`, the `lv_attr` field), with
/// the bits dmsnap acts on decoded. A character LVM did not print reads as '-'.
public struct LVAttributes: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String
    private let characters: [Character]

    public init(_ rawValue: String) {
        self.rawValue = rawValue
        characters = Array(rawValue)
    }

    public var description: String { rawValue }

    private subscript(_ index: Int) -> Character {
        index < characters.count ? characters[index] : "-"
    }

    /// 1st: V thin volume, t thin pool, T thin pool data, e metadata or spare,
    /// o/O origin (merging), s/S snapshot (merging), and more.
    public var volumeType: Character { self[0] }
    /// 5th: a active, s suspended, I invalid snapshot, c thin pool check needed, and more.
    public var state: Character { self[4] }
    /// 7th: t thin, s snapshot, m mirror, r raid, v virtual, u unknown.
    public var targetType: Character { self[6] }
    /// 9th: '-' healthy; for thin pools F failed, D out of data space, M metadata read-only.
    public var health: Character { self[8] }

    public var isThinVolume: Bool { volumeType == "V" }
    public var isThinPool: Bool { volumeType == "t" }
    public var isMergingOrigin: Bool { volumeType == "O" }
    public var isMergingSnapshot: Bool { volumeType == "S" }
    public var isWritable: Bool { self[1] == "w" }
    public var isActive: Bool { state == "a" }
    public var isSuspended: Bool { state == "s" }
    public var isOpen: Bool { self[5] == "o" }
    /// 10th: k. LVM gives thin snapshots this flag, so plain activation
    /// (`vgchange -ay`, `lvchange -ay`) leaves them inactive.
    public var skipsActivation: Bool { self[9] == "k" }
}
