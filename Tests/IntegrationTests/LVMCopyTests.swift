import DeviceMapper
import Foundation
import Snapshots
import Testing

/// Issue 17 on LVM: a thin LV's snapshots copied into a repository (full,
/// then incremental through the `-tpool` device's block maps), restored and
/// received byte for byte into the LVM thin pool. One volume group for all:
/// LVM's commands take seconds each under TCG.
@Suite(.serialized)
struct LVMCopyTests {
    /// A volume group on a loop device with a thin pool `pool` (64 KiB
    /// blocks) and a 32 MiB thin LV `data`, and a repository directory; the
    /// catalog sees only this group.
    final class Group {
        let loop: LoopDevice
        let volumeGroup = Rig.uniqueName("vg")
        let stateDirectory = "/tmp/\(Rig.uniqueName("lvmcopy"))"
        let repository = "/tmp/\(Rig.uniqueName("repo"))"
        let cli: CLI
        var pool: String { "\(volumeGroup)/pool" }
        var data: String { "/dev/\(volumeGroup)/data" }

        init() throws {
            try Rig.requireKernel()
            loop = try LoopDevice.attach(sizeMiB: 256)
            var cli = CLI(stateDirectory: stateDirectory)
            cli.environment = [LVMScope.environmentVariable: volumeGroup]
            self.cli = cli
            try Rig.shell("""
                vgcreate -qq \(volumeGroup) \(loop.path) && \
                lvcreate -qq --type thin-pool -L 160M -c 64k -n pool \(volumeGroup) && \
                lvcreate -qq --type thin -V 32M --thinpool pool -n data \(volumeGroup) && udevadm settle
                """)
            _ = try cli.succeed(["repository", "add", "offsite", repository])
        }

        func json(_ arguments: [String]) throws -> [String: Any] {
            let output = try cli.succeed(arguments + ["--json"])
            return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "not JSON: \(output)")
        }

        func snapshot() throws -> String {
            try #require(try json(["snapshot", "create", "\(volumeGroup)/data"])["SnapshotId"] as? String)
        }

        func describe(_ snapshot: String) throws -> [String: Any] {
            let listing = try cli.succeed(["DescribeSnapshots", "--SnapshotIds", "[\"\(snapshot)\"]"])
            return try #require((CLI.field(listing, "Snapshots", "Snapshot") as? [[String: Any]])?.first, "\(listing)")
        }

        func disk(_ id: String) throws -> [String: Any] {
            let disks = try cli.succeed(["DescribeDisks", "--DiskIds", "[\"\(id)\"]"])
            return try #require((CLI.field(disks, "Disks", "Disk") as? [[String: Any]])?.first, "\(disks)")
        }

        /// The disk's device, as DescribeDisks names it.
        func device(ofDisk disk: [String: Any]) throws -> String {
            try #require(disk["Device"] as? String, "\(disk)")
        }

        func close() {
            _ = try? Rig.shell("vgremove -ff -y \(volumeGroup); rm -rf \(repository)")
            loop.detach()
            try? FileManager.default.removeItem(atPath: stateDirectory)
        }
    }

    /// Prints how long each step of a test took: the suite's time is budgeted.
    final class Steps {
        var last = ContinuousClock.now
        func done(_ step: String) {
            let now = ContinuousClock.now
            print("step \(step): \(now - last)")
            last = now
        }
    }

    static func sha256(_ device: String) throws -> String {
        try Rig.shell("sha256sum < \(device) | cut -d' ' -f1").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func directoryBytes(_ path: String) throws -> Int {
        try #require(Int(try Rig.shell("du -sb \(path) | cut -f1").trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test(.enabled(if: Rig.enabled))
    func anLVMThinSnapshotCopiesFullThenIncrementalAndRestoresIntoTheLVMPool() throws {
        let steps = Steps()
        let group = try Group()
        defer { group.close(); steps.done("cleanup") }
        steps.done("volume group, thin pool, repository")
        try Rig.shell("dd if=/dev/urandom of=\(group.data) bs=1M count=8 oflag=direct status=none")
        let firstSum = try Self.sha256(group.data)
        let first = try group.snapshot()
        let full = try group.json(["snapshot", "copy", first, "--to", "offsite", "--wait"])
        let fullRead = full["bytesRead"] as? Int ?? -1
        #expect(full["status"] as? String == "accomplished" && full["baseSnapshotId"] == nil, "\(full)")
        #expect(fullRead >= 8 << 20 && fullRead <= 12 << 20 + (2 << 20), "a full copy reads the mapped 8 MiB only: \(full)")
        steps.done("snapshot and full copy")

        // 4 MiB changed at 16 MiB, where nothing was.
        let changed = 4 << 20
        let before = try Self.directoryBytes(group.repository)
        try Rig.shell("dd if=/dev/urandom of=\(group.data) bs=1M seek=16 count=4 oflag=direct status=none")
        let secondSum = try Self.sha256(group.data)
        // The pool's own target: CreateSnapshot copies there in the background, no default needed.
        let set = try group.cli.succeed(["pool", "set", group.pool, "--copy-to", "offsite"])
        #expect(set.contains("copied into repository offsite"), "\(set)")
        let listed = try group.cli.succeed(["repository", "list", "--json"])
        #expect((CLI.field(listed) as? [[String: Any]])?.first?["pools"] as? [String] == [group.pool], "\(listed)")
        let diskId = (CLI.field(try group.cli.succeed(["disks", "--json"]), "Disks", "Disk") as? [[String: Any]])?
            .first { $0["LogicalVolume"] as? String == "\(group.volumeGroup)/data" }?["DiskId"] as? String
        let dataDisk = try #require(diskId, "the disk of \(group.data)")
        let created = try group.cli.succeed(["CreateSnapshot", "--DiskId", dataDisk])
        let second = try #require(CLI.field(created, "SnapshotId") as? String, "\(created)")
        var shown = try group.describe(second)
        for _ in 0..<600 where shown["Status"] as? String == "progressing" {
            usleep(200_000)
            shown = try group.describe(second)
        }
        #expect(shown["Status"] as? String == "accomplished", "the background copy into the pool's target: \(shown)")
        let incremental = try group.json(["snapshot", "copy", second])
        let incrementalRead = incremental["bytesRead"] as? Int ?? -1
        #expect(incremental["status"] as? String == "accomplished" && incremental["baseSnapshotId"] as? String == first, "\(incremental)")
        #expect(incrementalRead >= changed && incrementalRead <= changed * 3 / 2, "an incremental copy reads at most 1.5x the change: \(incremental)")
        let growth = try Self.directoryBytes(group.repository) - before
        #expect(growth <= changed * 3 / 2, "the repository grew by \(growth) bytes for \(changed) changed")
        print("lvm copies: full read \(fullRead) bytes; incremental read \(incrementalRead) for \(changed) changed, repository +\(growth)")
        let tpool = LVMNames.tpool(volumeGroup: group.volumeGroup, pool: "pool")
        #expect(try DeviceMapper().thinPoolStatus(tpool).details?.heldMetadataRoot == nil, "no metadata snapshot left reserved")
        #expect(!FileManager.default.fileExists(atPath: "/dev/\(try #require(group.describe(second)["LogicalVolume"] as? String))"),
                "the copy deactivated the snapshot LV it activated")
        steps.done("snapshot and incremental copy")
        try restoresAndReceivesIntoTheLVMPool(group, first: (first, firstSum), second: (second, secondSum), steps: steps)
    }

    /// The LVs in the group now, by name.
    static func logicalVolumes(_ group: Group) throws -> Set<String> {
        Set(try Rig.shell("lvs --noheadings -o lv_name \(group.volumeGroup)").split(whereSeparator: \.isWhitespace).map(String.init))
    }

    /// Restores into vg/pool, each a thin LV byte for byte: the full copy by
    /// `snapshot restore --pool`, the incremental one by CreateDisk
    /// --SnapshotId --PoolName once its LV is gone, the first snapshot again
    /// by `snapshot receive --pool` once deleted here; a restore killed after
    /// making its LV and a damaged stream leave no LV behind.
    func restoresAndReceivesIntoTheLVMPool(_ group: Group, first: (id: String, sum: String), second: (id: String, sum: String),
                                           steps: Steps) throws {
        let restored = try group.json(["snapshot", "restore", first.id, "--from", "offsite", "--pool", group.pool])
        #expect(restored["Backend"] as? String == "lvm" && restored["PoolName"] as? String == group.pool, "\(restored)")
        #expect(try Self.sha256(try group.device(ofDisk: restored)) == first.sum, "the full copy restored into the LVM pool byte for byte")
        steps.done("restore into the LVM pool")

        // The second snapshot's LV removed behind dmsnap's back: CreateDisk restores it from the repository.
        try Rig.shell("lvremove -qq -f /dev/\(try #require(group.describe(second.id)["LogicalVolume"] as? String))")
        let createdId = CLI.field(try group.cli.succeed(["CreateDisk", "--SnapshotId", second.id, "--PoolName", group.pool]), "DiskId")
        let created = try group.disk(try #require(createdId as? String))
        #expect(created["Backend"] as? String == "lvm", "\(created)")
        #expect(try Self.sha256(try group.device(ofDisk: created)) == second.sum, "the incremental copy restored by CreateDisk byte for byte")
        steps.done("CreateDisk from the repository")

        let lvsBefore = try Self.logicalVolumes(group)
        let killed = try group.cli.run(["snapshot", "restore", first.id, "--pool", group.pool],
                                       environment: ["DMSNAP_CRASH_AT": "makingDisk.afterCreate"])
        #expect(killed.killed, "killed after making the LV: \(killed.errors)")
        #expect(try Self.logicalVolumes(group).count == lvsBefore.count + 1, "the kill left the new LV")
        let recovered = try group.cli.succeed(["recover"])
        #expect(try Self.logicalVolumes(group) == lvsBefore, "recovery removed the LV of the interrupted restore: \(recovered)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: group.stateDirectory + "/restores")) ?? []).isEmpty, "and its lease")
        steps.done("restore killed, recovered")

        // The first snapshot's stream, received once the snapshot is deleted here.
        let stream = "/tmp/\(Rig.uniqueName("stream"))", damaged = stream + ".damaged"
        defer { _ = try? Rig.shell("rm -f \(stream) \(damaged)") }
        let dmsnap = "\(LVMScope.environmentVariable)=\(group.volumeGroup) \(CLI.binary)", state = "--state-dir \(group.stateDirectory)"
        try Rig.shell("\(dmsnap) snapshot send \(first.id) \(state) > \(stream)")
        _ = try group.cli.succeed(["DeleteSnapshot", "--SnapshotId", first.id])
        let size = try #require((try FileManager.default.attributesOfItem(atPath: stream)[.size] as? NSNumber)?.intValue)
        try Rig.shell("head -c \(size - 1000) \(stream) > \(damaged)")
        let lvsBeforeReceive = try Self.logicalVolumes(group)
        let truncated = try Rig.shell("\(dmsnap) snapshot receive --pool \(group.pool) \(state) < \(damaged) 2>&1; echo exit $?")
        #expect(!truncated.hasSuffix("exit 0\n") && truncated.contains("truncated"), "\(truncated)")
        #expect(try Self.logicalVolumes(group) == lvsBeforeReceive, "a truncated stream leaves no LV")
        let output = try Rig.shell("\(dmsnap) snapshot receive --pool \(group.pool) --json \(state) < \(stream)")
        let received = try group.disk(try #require(CLI.field(output, "DiskId") as? String, "\(output)"))
        #expect(received["Backend"] as? String == "lvm", "\(received)")
        #expect(try Self.sha256(try group.device(ofDisk: received)) == first.sum, "received into the LVM pool byte for byte")
        #expect(try group.describe(first.id)["Backend"] as? String == "lvm", "the received snapshot is a thin LV snapshot")
        steps.done("send, receive refused and received")
    }
}
