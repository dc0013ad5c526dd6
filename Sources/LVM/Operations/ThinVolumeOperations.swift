extension LVMCommandLine {
    /// `lvcreate --type thin-pool --size S [--chunksize C] --name POOL VG`.
    /// LVM rounds the size up to whole extents and checks the chunk size
    /// (a multiple of 64 KiB, at most 1 GiB).
    public static func createThinPool(
        _ name: LVMName, in volumeGroup: LVMName, size: LVMSize, chunkSize: LVMSize? = nil
    ) throws(LVMError) -> LVMCommandLine {
        let pool = try LVMQualifiedName(volumeGroup: volumeGroup, logicalVolume: name)
        var arguments = PromptAnswer.yes.arguments + [
            .literal("--type"), .literal("thin-pool"), .literal("--size"), .size(size),
        ]
        if let chunkSize { arguments += [.literal("--chunksize"), .size(chunkSize)] }
        arguments += [.literal("--name"), .name(pool.logicalVolume), .name(pool.volumeGroup)]
        return try LVMCommandLine(.lvcreate, arguments)
    }

    /// `lvcreate --type thin --virtualsize S --thinpool POOL --name LV [--addtag T]… VG`.
    public static func createThinVolume(
        _ name: LVMName, pool: LVMQualifiedName, virtualSize: LVMSize, tags: [LVMTag] = []
    ) throws(LVMError) -> LVMCommandLine {
        let volume = try LVMQualifiedName(volumeGroup: pool.volumeGroup, logicalVolume: name)
        var arguments = PromptAnswer.yes.arguments + [
            .literal("--type"), .literal("thin"), .literal("--virtualsize"), .size(virtualSize),
            .literal("--thinpool"), .name(pool.logicalVolume),
            .literal("--name"), .name(volume.logicalVolume),
        ]
        for tag in tags { arguments += [.literal("--addtag"), .tag(tag)] }
        arguments.append(.name(volume.volumeGroup))
        return try LVMCommandLine(.lvcreate, arguments)
    }

    /// `lvcreate --snapshot --name SNAP [--addtag T]… VG/ORIGIN` of a thin
    /// volume: a thin snapshot in the origin's pool, sharing its blocks. By
    /// default LVM's flag to skip activation is kept, so it stays inactive (no
    /// /dev node) until activated with `ignoringActivationSkip`; with
    /// `skipActivation: false` (`--setactivationskip n`) it is an ordinary
    /// volume, active at once: a writable copy.
    public static func createThinSnapshot(
        _ name: LVMName, of origin: LVMQualifiedName, tags: [LVMTag] = [], skipActivation: Bool = true,
        memoryLockFilter: LVMMemoryLockFilter? = nil
    ) throws(LVMError) -> LVMCommandLine {
        let snapshot = try name.checked(as: .logicalVolume)
        var arguments = (memoryLockFilter?.arguments ?? []) + PromptAnswer.yes.arguments
            + [.literal("--snapshot"), .literal("--name"), .name(snapshot)]
        if !skipActivation { arguments += [.literal("--setactivationskip"), .literal("n")] }
        for tag in tags { arguments += [.literal("--addtag"), .tag(tag)] }
        arguments.append(.volume(origin))
        return try LVMCommandLine(.lvcreate, arguments)
    }
}

extension LVMSession {
    /// Creates a thin pool (`lvcreate --type thin-pool`).
    public func createThinPool(
        _ name: LVMName, in volumeGroup: LVMName, size: LVMSize, chunkSize: LVMSize? = nil
    ) throws(LVMError) {
        try run(.createThinPool(name, in: volumeGroup, size: size, chunkSize: chunkSize))
    }

    /// Creates a thin volume in `pool` (`lvcreate --type thin`), carrying `tags`.
    public func createThinVolume(_ name: LVMName, pool: LVMQualifiedName, virtualSize: LVMSize, tags: [LVMTag] = []) throws(LVMError) {
        try run(.createThinVolume(name, pool: pool, virtualSize: virtualSize, tags: tags))
    }

    /// Takes a thin snapshot of `origin` (`lvcreate --snapshot`), inactive and
    /// flagged to skip activation, carrying `tags`.
    public func createThinSnapshot(
        _ name: LVMName, of origin: LVMQualifiedName, tags: [LVMTag] = [], skipActivation: Bool = true,
        memoryLockFilter: LVMMemoryLockFilter? = nil
    ) throws(LVMError) {
        try run(.createThinSnapshot(name, of: origin, tags: tags, skipActivation: skipActivation, memoryLockFilter: memoryLockFilter))
    }
}
