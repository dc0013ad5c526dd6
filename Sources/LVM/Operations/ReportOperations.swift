extension LVMCommandLine {
    /// `lvs --reportformat json --units b --nosuffix -o FIELDS [VG]`.
    public static func reportLogicalVolumes(in volumeGroup: LVMName? = nil) throws(LVMError) -> LVMCommandLine {
        try report(.lvs, LogicalVolume.self, target: volumeGroupArgument(volumeGroup))
    }

    /// `lvs --reportformat json --units b --nosuffix -o FIELDS VG/LV`.
    public static func reportLogicalVolume(_ volume: LVMQualifiedName) throws(LVMError) -> LVMCommandLine {
        try report(.lvs, LogicalVolume.self, target: .volume(volume))
    }

    /// `vgs --reportformat json --units b --nosuffix -o FIELDS [VG]`.
    public static func reportVolumeGroups(_ name: LVMName? = nil) throws(LVMError) -> LVMCommandLine {
        try report(.vgs, VolumeGroup.self, target: volumeGroupArgument(name))
    }

    /// `pvs --reportformat json --units b --nosuffix -o FIELDS`.
    public static func reportPhysicalVolumes() throws(LVMError) -> LVMCommandLine {
        try report(.pvs, PhysicalVolume.self, target: nil)
    }

    private static func volumeGroupArgument(_ name: LVMName?) throws(LVMError) -> LVMArgument? {
        guard let name else { return nil }
        return .name(try name.checked(as: .volumeGroup))
    }

    private static func report<Row: LVMReportRow>(
        _ command: LVMCommand, _: Row.Type, target: LVMArgument?
    ) throws(LVMError) -> LVMCommandLine {
        let arguments: [LVMArgument] = [
            .literal("--reportformat"), .literal("json"),
            // Sizes as plain byte counts: no unit letter, no rounding to two decimals.
            .literal("--units"), .literal("b"), .literal("--nosuffix"),
            .literal("-o"), .literal(Row.reportFields.joined(separator: ",")),
        ]
        return try LVMCommandLine(command, arguments + (target.map { [$0] } ?? []))
    }
}

extension LVMSession {
    /// Every visible logical volume, or those of one volume group.
    public func logicalVolumes(in volumeGroup: LVMName? = nil) throws(LVMError) -> [LogicalVolume] {
        try LVMReport.rows(LogicalVolume.self, from: run(.reportLogicalVolumes(in: volumeGroup)))
    }

    /// One logical volume; `commandFailed` when LVM finds no such LV.
    public func logicalVolume(_ volume: LVMQualifiedName) throws(LVMError) -> LogicalVolume {
        let commandLine = try LVMCommandLine.reportLogicalVolume(volume)
        let rows = try LVMReport.rows(LogicalVolume.self, from: run(commandLine))
        guard rows.count == 1, let row = rows.first else {
            throw LVMError.malformedReport(command: .lvs, reason: "\(rows.count) rows for \(volume), expected one")
        }
        return row
    }

    /// Every volume group, or the one named.
    public func volumeGroups(_ name: LVMName? = nil) throws(LVMError) -> [VolumeGroup] {
        try LVMReport.rows(VolumeGroup.self, from: run(.reportVolumeGroups(name)))
    }

    /// One volume group; `commandFailed` when LVM finds no such VG.
    public func volumeGroup(_ name: LVMName) throws(LVMError) -> VolumeGroup {
        let rows = try volumeGroups(name)
        guard rows.count == 1, let row = rows.first else {
            throw LVMError.malformedReport(command: .vgs, reason: "\(rows.count) rows for \(name), expected one")
        }
        return row
    }

    /// Every physical volume LVM sees, or those of one volume group.
    public func physicalVolumes(in volumeGroup: LVMName? = nil) throws(LVMError) -> [PhysicalVolume] {
        let rows = try LVMReport.rows(PhysicalVolume.self, from: run(.reportPhysicalVolumes()))
        guard let volumeGroup else { return rows }
        return rows.filter { $0.volumeGroup == volumeGroup.value }
    }
}
