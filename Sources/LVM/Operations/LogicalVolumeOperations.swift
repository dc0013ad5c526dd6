extension LVMCommandLine {
    /// `lvremove --yes VG/LV`. The request is the confirmation, so LVM does not
    /// ask; it still refuses an LV that is open. Removing a thin pool removes
    /// every thin volume in it.
    public static func removeLogicalVolume(_ volume: LVMQualifiedName) throws(LVMError) -> LVMCommandLine {
        try LVMCommandLine(.lvremove, PromptAnswer.yes.arguments + [.volume(volume)])
    }

    /// `lvchange --activate y [--ignoreactivationskip] VG/LV`. A thin snapshot
    /// is flagged to skip activation and needs `ignoringActivationSkip`.
    public static func activateLogicalVolume(
        _ volume: LVMQualifiedName, ignoringActivationSkip: Bool = false
    ) throws(LVMError) -> LVMCommandLine {
        var arguments: [LVMArgument] = [.literal("--activate"), .literal("y")]
        if ignoringActivationSkip { arguments.append(.literal("--ignoreactivationskip")) }
        return try LVMCommandLine(.lvchange, arguments + [.volume(volume)])
    }

    /// `lvchange --activate n VG/LV`.
    public static func deactivateLogicalVolume(_ volume: LVMQualifiedName) throws(LVMError) -> LVMCommandLine {
        try LVMCommandLine(.lvchange, [.literal("--activate"), .literal("n"), .volume(volume)])
    }

    /// `lvconvert --merge VG/SNAPSHOT`: rolls the origin back to the snapshot,
    /// which is gone afterwards. When the origin is open LVM defers the merge to
    /// the origin's next activation (its `lv_attr` then starts with 'O').
    public static func mergeSnapshot(_ snapshot: LVMQualifiedName) throws(LVMError) -> LVMCommandLine {
        try LVMCommandLine(.lvconvert, [.literal("--merge"), .volume(snapshot)])
    }
}

extension LVMCommandLine {
    /// `lvrename VG/OLD NEW`.
    public static func renameLogicalVolume(_ volume: LVMQualifiedName, to newName: LVMName) throws(LVMError) -> LVMCommandLine {
        try LVMCommandLine(.lvrename, [.volume(volume), .name(try newName.checked(as: .logicalVolume))])
    }

    /// `lvchange [--addtag T]… [--deltag T]… VG/LV`.
    public static func changeTags(_ volume: LVMQualifiedName, adding: [LVMTag] = [], deleting: [LVMTag] = []) throws(LVMError) -> LVMCommandLine {
        guard !(adding.isEmpty && deleting.isEmpty) else {
            throw LVMError.invalid("tag list", "", "lvchange needs a tag to add or delete")
        }
        let arguments = adding.flatMap { [LVMArgument.literal("--addtag"), .tag($0)] }
            + deleting.flatMap { [LVMArgument.literal("--deltag"), .tag($0)] }
        return try LVMCommandLine(.lvchange, arguments + [.volume(volume)])
    }
}

extension LVMSession {
    /// Renames a logical volume within its volume group (`lvrename`).
    public func renameLogicalVolume(_ volume: LVMQualifiedName, to newName: LVMName) throws(LVMError) {
        try run(.renameLogicalVolume(volume, to: newName))
    }

    /// Adds and removes tags of a logical volume (`lvchange --addtag/--deltag`).
    public func changeTags(_ volume: LVMQualifiedName, adding: [LVMTag] = [], deleting: [LVMTag] = []) throws(LVMError) {
        try run(.changeTags(volume, adding: adding, deleting: deleting))
    }

    /// Removes a logical volume (`lvremove`).
    public func removeLogicalVolume(_ volume: LVMQualifiedName) throws(LVMError) {
        try run(.removeLogicalVolume(volume))
    }

    /// Activates a logical volume (`lvchange -ay`, with `-K` when `ignoringActivationSkip`).
    public func activateLogicalVolume(_ volume: LVMQualifiedName, ignoringActivationSkip: Bool = false) throws(LVMError) {
        try run(.activateLogicalVolume(volume, ignoringActivationSkip: ignoringActivationSkip))
    }

    /// Deactivates a logical volume (`lvchange -an`).
    public func deactivateLogicalVolume(_ volume: LVMQualifiedName) throws(LVMError) {
        try run(.deactivateLogicalVolume(volume))
    }

    /// Merges a snapshot back into its origin (`lvconvert --merge`) and returns
    /// what LVM printed, which says whether the merge happened now or is deferred.
    @discardableResult
    public func mergeSnapshot(_ snapshot: LVMQualifiedName) throws(LVMError) -> LVMOutput {
        try run(.mergeSnapshot(snapshot))
    }
}
