import Foundation
import Snapshots
import Testing

/// Issue 17, item 7: `snapshot send` and `snapshot receive` between two hosts
/// (two state directories and pools), full then incremental, and the streams
/// receive refuses leaving nothing behind.
@Suite(.serialized)
struct StreamTests {
    typealias Host = SnapshotCopyTests.Host

    /// Runs `dmsnap ARGUMENTS --state-dir …` through the shell, with `redirect` (`> FILE`, `< FILE`).
    static func dmsnap(_ host: Host, _ arguments: String, _ redirect: String) throws -> (status: Int32, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(CLI.binary) \(arguments) --state-dir \(host.stateDirectory) \(redirect)"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    static func receive(_ host: Host, _ file: String) throws -> String {
        let output = try Rig.shell("\(CLI.binary) snapshot receive --json --state-dir \(host.stateDirectory) < \(file)")
        return try #require(CLI.field(output, "DiskId") as? String, "\(output)")
    }

    /// The host's disks and snapshots, and the leases of unfinished receives: all must be empty after a refusal.
    static func leftovers(_ host: Host) throws -> [String] {
        let service = try SnapshotService(stateDirectory: host.stateDirectory, lvmScope: .only([]))
        let restores = (try? FileManager.default.contentsOfDirectory(atPath: host.stateDirectory + "/restores")) ?? []
        return try service.describeDisks().map(\.record.id) + service.describeSnapshots().map(\.id) + restores
    }

    /// Both streams are made first, so that the other host can be shown refusing
    /// the incremental one without its base, then a truncated and an altered
    /// full one, each leaving nothing, before it receives the intact ones.
    @Test(.enabled(if: Rig.enabled))
    func streamsReceiveByteForByteOnAnotherHostAndDamagedOnesLeaveNothing() throws {
        let host = try Host(), other = try Host()
        let (disk, mountPoint) = try SnapshotCopyTests.diskWithFilesystem(host, sizeMiB: 32)
        let full = "/tmp/\(Rig.uniqueName("full"))", incremental = "/tmp/\(Rig.uniqueName("incr"))"
        let damaged = "/tmp/\(Rig.uniqueName("damaged"))"
        defer {
            _ = try? Rig.shell("umount \(mountPoint); rmdir \(mountPoint); rm -f \(full) \(incremental) \(damaged)")
            host.close()
            other.close()
        }
        try Rig.shell("dd if=/dev/urandom of=\(mountPoint)/a bs=1M count=8 status=none && sync")
        let first = try host.snapshot(disk)
        let sent = try Self.dmsnap(host, "snapshot send \(first)", "> \(full)")
        #expect(sent.status == 0 && sent.errors.contains("Sent snapshot \(first) (full)"), "\(sent.errors)")
        let firstSum = try host.checksum(ofSnapshot: first)

        // New data, and old data overwritten with zeros: the clone of the base must turn it to zeros.
        try Rig.shell("""
            dd if=/dev/urandom of=\(mountPoint)/b bs=1M count=4 status=none \
            && dd if=/dev/zero of=\(mountPoint)/a bs=1M count=2 conv=notrunc status=none && sync
            """)
        let second = try host.snapshot(disk)
        let changed = try Self.dmsnap(host, "snapshot send \(second) --from \(first)", "> \(incremental)")
        #expect(changed.status == 0 && changed.errors.contains("incremental from \(first)"), "\(changed.errors)")
        #expect(!changed.errors.contains(" 0 zero records"), "the zeroed blocks go as zero records: \(changed.errors)")
        let streamBytes = try #require((try FileManager.default.attributesOfItem(atPath: incremental)[.size] as? NSNumber)?.intValue)
        #expect(streamBytes < 8 << 20, "an incremental stream carries the change, not the disk: \(streamBytes) bytes")
        #expect(try host.heldMetadataRoot() == nil, "no metadata snapshot left reserved")

        let noBase = try Self.dmsnap(other, "snapshot receive", "< \(incremental)")
        #expect(noBase.status != 0 && noBase.errors.contains("does not hold"), "\(noBase.errors)")
        #expect(try Self.leftovers(other).isEmpty, "nothing made for a stream without its base")

        let size = try #require((try FileManager.default.attributesOfItem(atPath: full)[.size] as? NSNumber)?.intValue)
        try Rig.shell("head -c \(size - 1000) \(full) > \(damaged)")
        let truncated = try Self.dmsnap(other, "snapshot receive", "< \(damaged)")
        #expect(truncated.status != 0 && truncated.errors.contains("truncated"), "\(truncated.errors)")
        #expect(try Self.leftovers(other).isEmpty, "nothing left of a truncated stream")

        try Rig.shell("""
            cp \(full) \(damaged) && python3 -c "
            f = open('\(damaged)', 'r+b'); f.seek(\(size / 2)); b = f.read(1); f.seek(\(size / 2)); f.write(bytes([b[0] ^ 1]))"
            """)
        let altered = try Self.dmsnap(other, "snapshot receive", "< \(damaged)")
        #expect(altered.status != 0 && altered.errors.contains("digest does not match"), "\(altered.errors)")
        #expect(try Self.leftovers(other).isEmpty, "nothing left of an altered stream")

        try receivesKilledAtRandomMomentsLeaveNothing(other, full)

        // The intact streams are received: the refusals were the damage's doing.
        let firstCopy = try Self.receive(other, full)
        #expect(try Host.checksum(ofDisk: firstCopy) == firstSum, "the full stream received byte for byte")
        #expect(try other.describe(first)["SnapshotId"] as? String == first, "the received snapshot keeps the sender's ID")
        let secondCopy = try Self.receive(other, incremental)
        #expect(try Host.checksum(ofDisk: secondCopy) == (try host.checksum(ofSnapshot: second)), "the incremental stream received byte for byte")
        #expect(try Host.checksum(ofDisk: firstCopy) == firstSum, "the first received disk is untouched")
        let again = try Self.dmsnap(other, "snapshot receive", "< \(full)")
        #expect(again.status != 0 && again.errors.contains("already on this host"), "\(again.errors)")
    }

    /// kill -9 of `snapshot receive` at random moments: the next command's
    /// recovery leaves no half-received disk, snapshot or lease. A receive
    /// that finished before its kill is whole, and is deleted for the next try.
    func receivesKilledAtRandomMomentsLeaveNothing(_ host: Host, _ stream: String) throws {
        var generator = SystemRandomNumberGenerator()
        var interrupted = 0
        for attempt in 1...Int(ProcessInfo.processInfo.environment["DMSNAP_RECEIVE_KILLS"] ?? "3")! {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "exec \(CLI.binary) snapshot receive --state-dir \(host.stateDirectory) < \(stream)"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32.random(in: 100_000...1_500_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            _ = try host.cli.succeed(["recover"])
            let left = try Self.leftovers(host)
            if process.terminationReason == .uncaughtSignal {
                interrupted += 1
                #expect(left.isEmpty, "attempt \(attempt): nothing left of a receive killed midway: \(left)")
            } else {
                #expect(process.terminationStatus == 0 && left.count == 2, "attempt \(attempt): a receive that ended is whole: \(left)")
                let service = try SnapshotService(stateDirectory: host.stateDirectory, lvmScope: .only([]))
                for snapshot in try service.describeSnapshots() { try service.deleteSnapshot(snapshot.id) }
                for disk in try service.describeDisks() { try service.deleteDisk(disk.record.id) }
            }
        }
        print("receive: \(interrupted) kill(s) midway left nothing")
    }
}
