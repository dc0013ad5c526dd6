extension LVMCommandLine {
    /// `pvcreate DEVICE…`. A device carrying a filesystem or other signature is
    /// refused: LVM's question whether to wipe it is answered no.
    public static func createPhysicalVolumes(_ devices: [LVMDevicePath]) throws(LVMError) -> LVMCommandLine {
        guard !devices.isEmpty else { throw LVMError.invalid("device list", "", "pvcreate needs at least one device") }
        return try LVMCommandLine(.pvcreate, PromptAnswer.no.arguments + devices.map(LVMArgument.device))
    }

    /// `vgcreate VG DEVICE…`. Devices that are not PVs yet are initialised as
    /// by `createPhysicalVolumes`, and refused alike when they carry a signature.
    public static func createVolumeGroup(_ name: LVMName, devices: [LVMDevicePath]) throws(LVMError) -> LVMCommandLine {
        let name = try name.checked(as: .volumeGroup)
        guard !devices.isEmpty else { throw LVMError.invalid("device list", "", "vgcreate needs at least one device") }
        return try LVMCommandLine(.vgcreate, PromptAnswer.no.arguments + [.name(name)] + devices.map(LVMArgument.device))
    }

    /// `vgremove VG`. Without `force`, a VG that still has LVs is kept and the
    /// command fails; with it (`--force`) its LVs are removed first, active or not.
    public static func removeVolumeGroup(_ name: LVMName, force: Bool) throws(LVMError) -> LVMCommandLine {
        let name = try name.checked(as: .volumeGroup)
        let mode = force ? [LVMArgument.literal("--force")] : PromptAnswer.no.arguments
        return try LVMCommandLine(.vgremove, mode + [.name(name)])
    }

    /// `vgchange --activate y|n VG`. Activation leaves alone LVs flagged to skip
    /// activation, such as thin snapshots.
    public static func changeVolumeGroupActivation(_ name: LVMName, active: Bool) throws(LVMError) -> LVMCommandLine {
        let name = try name.checked(as: .volumeGroup)
        return try LVMCommandLine(.vgchange, [.literal("--activate"), .literal(active ? "y" : "n"), .name(name)])
    }
}

extension LVMSession {
    /// Labels devices as LVM physical volumes (`pvcreate`).
    public func createPhysicalVolumes(_ devices: [LVMDevicePath]) throws(LVMError) {
        try run(.createPhysicalVolumes(devices))
    }

    /// Creates a volume group on `devices` (`vgcreate`).
    public func createVolumeGroup(_ name: LVMName, devices: [LVMDevicePath]) throws(LVMError) {
        try run(.createVolumeGroup(name, devices: devices))
    }

    /// Removes a volume group (`vgremove`); `force` also removes its LVs.
    public func removeVolumeGroup(_ name: LVMName, force: Bool = false) throws(LVMError) {
        try run(.removeVolumeGroup(name, force: force))
    }

    /// Activates every LV of a volume group that does not skip activation (`vgchange -ay`).
    public func activateVolumeGroup(_ name: LVMName) throws(LVMError) {
        try run(.changeVolumeGroupActivation(name, active: true))
    }

    /// Deactivates every LV of a volume group (`vgchange -an`).
    public func deactivateVolumeGroup(_ name: LVMName) throws(LVMError) {
        try run(.changeVolumeGroupActivation(name, active: false))
    }
}
