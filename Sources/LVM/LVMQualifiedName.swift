/// A logical volume named with its volume group, as LVM spells it: `vg/lv`.
public struct LVMQualifiedName: Sendable, Hashable, CustomStringConvertible {
    public let volumeGroup: LVMName
    public let logicalVolume: LVMName

    public init(volumeGroup: LVMName, logicalVolume: LVMName) throws(LVMError) {
        self.volumeGroup = try volumeGroup.checked(as: .volumeGroup)
        self.logicalVolume = try logicalVolume.checked(as: .logicalVolume)
    }

    /// Both names checked, e.g. `LVMQualifiedName(volumeGroup: "vg0", logicalVolume: "data")`.
    public init(volumeGroup: String, logicalVolume: String) throws(LVMError) {
        try self.init(volumeGroup: LVMName(volumeGroup: volumeGroup),
                      logicalVolume: LVMName(logicalVolume: logicalVolume))
    }

    /// Parses `vg/lv`. A /dev path is not accepted: callers resolve those themselves.
    public init(parsing text: String) throws(LVMError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw LVMError.invalid("logical volume", text, "expected VG/LV, exactly one '/'")
        }
        try self.init(volumeGroup: String(parts[0]), logicalVolume: String(parts[1]))
    }

    public var description: String { "\(volumeGroup)/\(logicalVolume)" }
}
