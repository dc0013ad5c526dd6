import Foundation
import LVM
import Testing

/// LVM through liblvm2cmd, in process, on loop devices: every call goes through
/// `LVMSession` and is read back from LVM's own JSON reports.
@Suite(.serialized)
struct LVMSessionTests {
    /// A volume group over two fresh loop devices, removed with them by `close()`.
    struct Group {
        let name: LVMName
        let devices: [LVMDevicePath]
        let loops: [LoopDevice]
        let session: LVMSession

        func close() {
            do { try session.removeVolumeGroup(name, force: true) } catch {
                // Left behind, it would hold the loop devices; say so in the test log.
                print("cleanup: \(error)")
            }
            for loop in loops { loop.detach() }
            session.close()
        }
    }

    /// Attaches the loops and labels them; on any failure what was made is undone.
    func makeGroup(sizeMiB: Int = 256) throws -> Group {
        var loops: [LoopDevice] = []
        let session = try LVMSession()
        do {
            for _ in 0..<2 { loops.append(try LoopDevice.attach(sizeMiB: sizeMiB)) }
            let devices = try loops.map { try LVMDevicePath($0.path) }
            let name = try LVMName(volumeGroup: Rig.uniqueName("vg"))
            try session.createPhysicalVolumes(devices)
            try session.createVolumeGroup(name, devices: devices)
            return Group(name: name, devices: devices, loops: loops, session: session)
        } catch {
            for loop in loops { loop.detach() }
            session.close()
            throw error
        }
    }

    @Test(.enabled(if: Rig.enabled))
    func thinPoolVolumeAndSnapshotAreReadBackFromLVMsReports() throws {
        try Rig.requireKernel()
        let group = try makeGroup()
        defer { group.close() }
        let session = group.session
        let vg = group.name

        let physical = try session.physicalVolumes(in: vg)
        #expect(Set(physical.map(\.name)) == Set(group.devices.map(\.value)))
        #expect(physical.allSatisfy { !$0.uuid.isEmpty && $0.size > 250 << 20 && $0.free == $0.size })
        let fresh = try session.volumeGroup(vg)
        #expect(fresh.physicalVolumeCount == 2)
        #expect(fresh.logicalVolumeCount == 0)
        #expect(!fresh.uuid.isEmpty)

        let poolName = try LVMName(logicalVolume: "pool0")
        try session.createThinPool(poolName, in: vg, size: .mebibytes(128), chunkSize: .kibibytes(64))
        let pool = try LVMQualifiedName(volumeGroup: vg, logicalVolume: poolName)
        try session.createThinVolume(LVMName(logicalVolume: "data"), pool: pool, virtualSize: .mebibytes(64))
        let origin = try LVMQualifiedName(volumeGroup: vg, logicalVolume: LVMName(logicalVolume: "data"))
        let tag = try LVMTag("s-bp1afnc98r8kjh4x7q2m")
        try session.createThinSnapshot(LVMName(logicalVolume: "data-snap1"), of: origin, tags: [tag])

        let volumes = try session.logicalVolumes(in: vg)
        #expect(Set(volumes.map(\.name)) == ["pool0", "data", "data-snap1"])
        let poolRow = try #require(volumes.first { $0.name == "pool0" })
        let data = try #require(volumes.first { $0.name == "data" })
        let snapshot = try #require(volumes.first { $0.name == "data-snap1" })

        #expect(poolRow.attributes.isThinPool)
        #expect(poolRow.size == 128 << 20)
        #expect(data.attributes.isThinVolume && data.isActive)
        #expect(data.pool == "pool0")
        #expect(data.size == 64 << 20)
        #expect(snapshot.pool == "pool0")
        #expect(snapshot.origin == "data")
        #expect(snapshot.size == data.size)
        #expect(snapshot.tags == [tag.value])
        #expect(snapshot.attributes.skipsActivation)
        #expect(!snapshot.isActive)
        for volume in volumes {
            #expect(!volume.uuid.isEmpty)
            #expect(volume.volumeGroup == vg.value)
        }
        let dataID = try #require(data.thinID)
        let snapshotID = try #require(snapshot.thinID)
        #expect(dataID != snapshotID)

        let afterwards = try session.volumeGroup(vg)
        #expect(afterwards.logicalVolumeCount == 3)
        #expect(afterwards.free < fresh.free)
    }

    @Test(.enabled(if: Rig.enabled))
    func aSnapshotSkippedAtActivationIsActivatedOnlyWhenAsked() throws {
        try Rig.requireKernel()
        let group = try makeGroup()
        defer { group.close() }
        let session = group.session
        let pool = try LVMQualifiedName(volumeGroup: group.name.value, logicalVolume: "pool0")
        try session.createThinPool(pool.logicalVolume, in: group.name, size: .mebibytes(64))
        try session.createThinVolume(LVMName(logicalVolume: "data"), pool: pool, virtualSize: .mebibytes(32))
        let snapshot = try LVMQualifiedName(volumeGroup: group.name.value, logicalVolume: "snap")
        try session.createThinSnapshot(snapshot.logicalVolume, of: LVMQualifiedName(volumeGroup: group.name.value, logicalVolume: "data"))

        try session.activateLogicalVolume(snapshot)
        #expect(try !session.logicalVolume(snapshot).isActive, "the skip flag holds without -K")
        try session.activateLogicalVolume(snapshot, ignoringActivationSkip: true)
        #expect(try session.logicalVolume(snapshot).isActive)
        try session.deactivateLogicalVolume(snapshot)
        #expect(try !session.logicalVolume(snapshot).isActive)

        try session.deactivateVolumeGroup(group.name)
        #expect(try session.logicalVolumes(in: group.name).allSatisfy { !$0.isActive })
        try session.activateVolumeGroup(group.name)
        let active = try session.logicalVolumes(in: group.name).filter(\.isActive).map(\.name)
        #expect(Set(active) == ["pool0", "data"])

        try session.removeLogicalVolume(snapshot)
        #expect(try !session.logicalVolumes(in: group.name).contains { $0.name == "snap" })
    }

    @Test(.enabled(if: Rig.enabled))
    func mergingASnapshotRollsItsOriginBack() throws {
        try Rig.requireKernel()
        let group = try makeGroup()
        defer { group.close() }
        let session = group.session
        let vg = group.name.value
        let pool = try LVMQualifiedName(volumeGroup: vg, logicalVolume: "pool0")
        try session.createThinPool(pool.logicalVolume, in: group.name, size: .mebibytes(64))
        let origin = try LVMQualifiedName(volumeGroup: vg, logicalVolume: "data")
        try session.createThinVolume(origin.logicalVolume, pool: pool, virtualSize: .mebibytes(16))
        let node = "/dev/\(vg)/data"
        try Rig.shell("udevadm settle; printf before | dd of=\(node) bs=512 conv=sync,fsync status=none")
        let snapshot = try LVMQualifiedName(volumeGroup: vg, logicalVolume: "data-snap")
        try session.createThinSnapshot(snapshot.logicalVolume, of: origin)
        let snapshotID = try session.logicalVolume(snapshot).thinID
        try Rig.shell("printf after_ | dd of=\(node) bs=512 conv=sync,fsync status=none")

        try session.mergeSnapshot(snapshot)

        #expect(try !session.logicalVolumes(in: group.name).contains { $0.name == "data-snap" })
        #expect(try session.logicalVolume(origin).thinID == snapshotID, "the origin now is the snapshot's thin device")
        try session.activateLogicalVolume(origin)
        let content = try Rig.shell("udevadm settle; dd if=\(node) bs=6 count=1 status=none")
        #expect(content == "before")
    }

    @Test(.enabled(if: Rig.enabled))
    func anInvalidNameIsRefusedBeforeLVMRuns() throws {
        try Rig.requireKernel()
        let group = try makeGroup()
        defer { group.close() }
        let session = group.session

        for name in ["data;reboot", "$(touch /tmp/dmsnap-pwned)", "snapshot1", "data two", "-f"] {
            let error = #expect(throws: LVMError.self) {
                try session.createThinVolume(LVMName(logicalVolume: name),
                                             pool: LVMQualifiedName(volumeGroup: group.name.value, logicalVolume: "pool0"),
                                             virtualSize: .mebibytes(8))
            }
            guard case .invalidArgument(let invalid)? = error else {
                Issue.record("expected invalidArgument, got \(String(describing: error))")
                continue
            }
            #expect(invalid.value == name)
        }
        // The escape hatch checks its words too.
        let error = #expect(throws: LVMError.self) {
            try session.run(.lvcreate, arguments: [.option("--name"), .value("x y"), .name(group.name)])
        }
        #expect(error?.isInvalidArgument == true)
        // Nothing reached LVM: the group is as it was made.
        #expect(try session.logicalVolumes(in: group.name).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/dmsnap-pwned"))
    }

    @Test(.enabled(if: Rig.enabled))
    func aFailingCommandCarriesLVMsOwnMessage() throws {
        try Rig.requireKernel()
        let session = try LVMSession()
        defer { session.close() }
        let missing = Rig.uniqueName("missing")
        let pool = try LVMQualifiedName(volumeGroup: missing, logicalVolume: "pool0")

        let error = #expect(throws: LVMError.self) {
            try session.createThinVolume(LVMName(logicalVolume: "data"), pool: pool, virtualSize: .mebibytes(8))
        }
        guard case .commandFailed(let failure)? = error else {
            Issue.record("expected commandFailed, got \(String(describing: error))")
            return
        }
        #expect(failure.command == .lvcreate)
        #expect(failure.status == .processingFailed)
        #expect(failure.errors.contains(#"Volume group "\#(missing)" not found"#), "\(failure.errors)")
        #expect(error?.description.contains("lvcreate failed (processing failed, lvm2_run returned 5)") == true)
    }

    @Test(.enabled(if: Rig.enabled))
    func removingAGroupThatStillHasVolumesNeedsForceAndNeverWaitsForAnAnswer() throws {
        try Rig.requireKernel()
        let group = try makeGroup()
        defer { group.close() }
        try group.session.createThinPool(LVMName(logicalVolume: "pool0"), in: group.name, size: .mebibytes(32))

        let error = #expect(throws: LVMError.self) { try group.session.removeVolumeGroup(group.name) }
        guard case .commandFailed(let failure)? = error else {
            Issue.record("expected commandFailed, got \(String(describing: error))")
            return
        }
        #expect(failure.errors.contains { $0.contains("not removed") }, "\(failure.errors)")
        #expect(try group.session.volumeGroup(group.name).logicalVolumeCount == 1)
    }

    @Test(.enabled(if: Rig.enabled))
    func aClosedSessionRefusesCallsAndANewOneWorks() throws {
        try Rig.requireKernel()
        let first = try LVMSession()
        _ = try first.volumeGroups()
        first.close()
        first.close()
        #expect(first.isClosed)
        #expect(throws: LVMError.sessionClosed) { try first.volumeGroups() }

        let second = try LVMSession()
        defer { second.close() }
        _ = try second.volumeGroups()
    }

    @Test(.enabled(if: Rig.enabled))
    func callsFromManyThreadsOnTwoSessionsAreSerialized() async throws {
        try Rig.requireKernel()
        let sessions = [try LVMSession(), try LVMSession()]
        defer { sessions.forEach { $0.close() } }
        // Each task blocks a thread of its own in `queue.sync`; liblvm2cmd sees one call at a time.
        let reports = try await withThrowingTaskGroup(of: [VolumeGroup].self) { tasks in
            for index in 0..<8 {
                tasks.addTask { try sessions[index % 2].volumeGroups() }
            }
            return try await tasks.reduce(into: [[VolumeGroup]]()) { $0.append($1) }
        }
        #expect(reports.count == 8)
    }
}

extension LVMError {
    fileprivate var isInvalidArgument: Bool {
        if case .invalidArgument = self { true } else { false }
    }
}
