/// A volume group or logical volume name that LVM will accept and that cannot
/// be read as anything but a name on an `lvm2_run` command line.
///
/// The rules are LVM's own (`man lvm`, VALID NAMES; `_validate_name` and
/// `apply_lvname_restrictions` in lib/misc/lvm-string.c), checked here so that a
/// bad name is refused with a reason before a command line exists.
public struct LVMName: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        case volumeGroup, logicalVolume

        public var description: String {
            switch self {
            case .volumeGroup: "volume group name"
            case .logicalVolume: "logical volume name"
            }
        }
    }

    /// LVM's `NAME_LEN` is 128 bytes including the terminating NUL.
    public static let maximumLength = 127

    /// LV names starting with these are LVM's own (its pvmove and old-style snapshot internals).
    static let reservedLogicalVolumePrefixes = ["snapshot", "pvmove"]

    /// Suffixes LVM gives the hidden sub-LVs of pools, mirrors, RAID, caches and
    /// VDO; an LV named with one could be mistaken for such a layer.
    /// The union of lvm-string.c and the man page of LVM 2.03.
    static let reservedLogicalVolumeInfixes = [
        "_cdata", "_cmeta", "_corig", "_iorig", "_mimage", "_mlog", "_pmspare",
        "_rimage", "_rmeta", "_tdata", "_tmeta", "_vdata", "_vorigin", "_wcorig",
    ]

    public let kind: Kind
    public let value: String

    /// Checks `value` against LVM's rules for a volume group name.
    public init(volumeGroup value: String) throws(LVMError) {
        try self.init(value, kind: .volumeGroup)
    }

    /// Checks `value` against LVM's rules for a new logical volume name,
    /// which add reserved prefixes and infixes to the volume group rules.
    public init(logicalVolume value: String) throws(LVMError) {
        try self.init(value, kind: .logicalVolume)
    }

    public init(_ value: String, kind: Kind) throws(LVMError) {
        if let reason = Self.problem(with: value, kind: kind) {
            throw LVMError.invalid(kind.description, value, reason)
        }
        self.kind = kind
        self.value = value
    }

    public var description: String { value }

    /// The same name, checked against the rules of `kind`: a name made for a
    /// volume group may still be refused as a logical volume name.
    public func checked(as kind: Kind) throws(LVMError) -> LVMName {
        kind == self.kind ? self : try LVMName(value, kind: kind)
    }

    /// Why LVM would refuse `value`, or nil when it is a valid name.
    static func problem(with value: String, kind: Kind) -> String? {
        if value.isEmpty { return "it is empty" }
        if value.utf8.count > maximumLength { return "it is longer than \(maximumLength) bytes" }
        if value.hasPrefix("-") { return "it starts with '-', which LVM reads as an option" }
        if value == "." || value == ".." { return "'.' and '..' are path components" }
        if let bad = value.unicodeScalars.first(where: { !isNameCharacter($0) }) {
            return "character \(String(bad).debugDescription) is not allowed (use letters, digits and + _ . -)"
        }
        guard kind == .logicalVolume else { return nil }
        if let prefix = reservedLogicalVolumePrefixes.first(where: { value.hasPrefix($0) }) {
            return "names starting \"\(prefix)\" are reserved by LVM"
        }
        if let infix = reservedLogicalVolumeInfixes.first(where: { value.contains($0) }) {
            return "names containing \"\(infix)\" are reserved by LVM for its hidden volumes"
        }
        return nil
    }

    /// `[A-Za-z0-9+_.-]`: ASCII only, as LVM's `isalnum` in the C locale.
    static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "+", "_", ".", "-": true
        default: false
        }
    }
}
