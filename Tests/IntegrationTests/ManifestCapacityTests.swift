import DeviceMapper
import Foundation
@testable import Snapshots
import Testing

/// Issue 16, item 2: a pool's manifest no longer jams the state directory.
/// Names the old 4 MiB slot could not hold are refused before anything
/// changes, or fit; a pool whose records outgrew the old slot takes changes,
/// deletions, renames and recovery; a pool written in the old layout is read
/// and carried forward; and 100,000 snapshots with the longest names fit.
@Suite(.serialized)
struct ManifestCapacityTests {
    typealias Fixture = CommandLineTests.Fixture

    /// The longest name by bytes (85 three-byte letters, 255 bytes) and the
    /// description whose JSON is longest (256 line separators, each written \u2028).
    static let longestName = String(repeating: "快", count: 85)
    static let longestDescription = String(repeating: "\u{2028}", count: 256)

    /// The issue's reproduction: two characters to Swift, 60,002 code points, 120 KB of UTF-8.
    @Test(.enabled(if: Rig.enabled))
    func theIssuesHugeNamesAreRefusedBeforeAnythingChanges() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let disk = try fixture.newDisk("huge")
        let kept = try fixture.newSnapshot(disk)
        let huge = "a" + String(repeating: "\u{300}", count: 60_000) + "b"
        let before = try fixture.state()
        for attempt in [["CreateSnapshot", "--DiskId", disk, "--SnapshotName", huge],
                        ["CreateSnapshot", "--DiskId", disk, "--Description", huge],
                        ["ModifySnapshotAttribute", "--SnapshotId", kept, "--SnapshotName", huge],
                        ["CreateDisk", "--SnapshotId", kept, "--DiskName", huge],
                        ["CreateSnapshotGroup", "--DiskId.1", disk, "--Name", huge]] {
            let refused = try fixture.cli.run(attempt)
            #expect(refused.status != 0 && refused.errors.contains("Invalid"), "\(attempt[0]): \(refused.errors.prefix(300))")
            #expect(refused.errors.count < 2000, "the error quotes the name cut short")
        }
        #expect(try fixture.state() == before, "nothing changed")
        #expect(try Self.sql(fixture, "SELECT COUNT(*) FROM intent") == "0", "no intent left behind")
    }

    /// The state the issue reached: a pool whose records no longer fit a 4 MiB
    /// slot, in the old layout. Every change goes through and moves it to the
    /// new slots: a snapshot, a rename to shorter text, a deletion, and a
    /// recovery after a kill past the commit point.
    @Test(.enabled(if: Rig.enabled))
    func aPoolWhoseRecordsOutgrewTheOldSlotTakesEveryChange() throws {
        let fixture = try Fixture()
        defer {
            _ = try? Self.sql(fixture, "DELETE FROM snapshot WHERE thinId >= 1000000")
            fixture.close()
        }
        let disk = try fixture.newDisk("full")
        _ = try fixture.newSnapshot(disk)
        try Self.makeFormatOne(fixture)
        // 2,500 records of the longest (catalog rows only: no thin device), some 5 MiB of manifest.
        try Self.seed(fixture, disk: disk, count: 2500, kernel: false)

        let big = try #require(CLI.field(try fixture.cli.succeed(["CreateSnapshot", "--DiskId", disk, "--SnapshotName", Self.longestName,
                                                                  "--Description", Self.longestDescription]), "SnapshotId") as? String)
        let slots = try Self.slots(fixture)
        #expect(slots.count == 3 && slots[1]?.version == 2 && slots[2]?.version == 1, "the new manifest went where no old slot lies: \(slots)")
        #expect(try Self.payloadLength(fixture, slot: 1) > 4 << 20, "larger than the old slot")
        _ = try fixture.cli.succeed(["ModifySnapshotAttribute", "--SnapshotId", big, "--SnapshotName", "short"])
        #expect(try Self.slots(fixture)[2] == nil, "the second format-2 write cleared the old slot inside its own")
        _ = try fixture.cli.succeed(["DeleteSnapshot", "--SnapshotId", big])
        let killed = try fixture.cli.run(["CreateSnapshot", "--DiskId", disk], environment: ["DMSNAP_CRASH_AT": "createSnapshot.afterCommit"])
        #expect(killed.killed)
        let recovered = try fixture.cli.succeed(["recover"])
        #expect(recovered.contains("createSnapshot"), "\(recovered)")
        #expect(try Self.sql(fixture, "SELECT COUNT(*) FROM intent") == "0")
        #expect(try Self.sql(fixture, "SELECT COUNT(*) FROM snapshot") == "2502")
    }

    /// A pool as dmsnap left it before format 2 (an 8 MiB device, the newest
    /// manifest in format 1 in its second 4 MiB slot) is read by a rebuild,
    /// and its next change writes format 2 without touching that manifest.
    @Test(.enabled(if: Rig.enabled))
    func aPoolInTheOldLayoutIsReadAndCarriedForward() throws {
        let fixture = try Fixture()
        defer { fixture.close() }
        let disk = try fixture.newDisk("old")
        _ = try fixture.cli.succeed(["CreateSnapshot", "--DiskId", disk, "--SnapshotName", "kept", "--Description", "from format 1"])
        let generation = try Self.makeFormatOne(fixture)
        #expect(try Self.deviceSize(fixture) == 8 << 20)
        let before = try RebuildTests.listing(fixture.cli)

        let added = try fixture.newSnapshot(disk)
        let moved = try Self.slots(fixture)
        #expect(moved[0] == nil && moved[1] == Slot(version: 2, generation: generation + 1) && moved[2] == Slot(version: 1, generation: generation),
                "\(moved)")
        #expect(try Self.deviceSize(fixture) == 2 << 30, "the device grew to the new slots")
        _ = try fixture.cli.succeed(["DeleteSnapshot", "--SnapshotId", added])
        #expect(try Self.slots(fixture) == [Slot(version: 2, generation: generation + 2), Slot(version: 2, generation: generation + 1), nil])

        let again = try Self.makeFormatOne(fixture)
        try RebuildTests.loseCatalog(fixture)
        let output = try fixture.cli.succeed(["recover", "--rebuild"])
        #expect(output.contains("manifest generation \(again)"), "\(output)")
        #expect(!output.contains("recovered:") && !output.contains("dropped:"), "\(output)")
        #expect(try RebuildTests.listing(fixture.cli) == before)
        try Agreement.check(stateDirectory: fixture.stateDirectory, poolName: fixture.poolName)
    }

    // MARK: Helpers

    struct Slot: Equatable, CustomStringConvertible {
        let version: UInt32
        let generation: UInt64
        var description: String { "v\(version) g\(generation)" }
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func device(_ fixture: Fixture) throws -> String { "/dev/mapper/" + (try PoolDevice.manifest(fixture.poolName)) }

    /// The headers at 0, 1 GiB and 4 MiB (only a format-1 one counts there).
    static func slots(_ fixture: Fixture) throws -> [Slot?] {
        try [0, ManifestDevice.slotCapacity, 4 << 20].map { offset in
            let header = try read(fixture, at: offset, count: 32)
            guard header.starts(with: ManifestSlot.magic) else { return nil }
            let slot = Slot(version: field(header, 8, 4), generation: field(header, 16, 8))
            return offset == 4 << 20 && slot.version != 1 ? nil : slot
        }
    }

    static func payloadLength(_ fixture: Fixture, slot: Int) throws -> Int {
        Int(field(try read(fixture, at: slot * ManifestDevice.slotCapacity, count: 32), 12, 4) as UInt32)
    }

    static func field<T: FixedWidthInteger>(_ bytes: [UInt8], _ offset: Int, _ size: Int) -> T {
        bytes[offset..<offset + size].reversed().reduce(T.zero) { $0 << 8 | T($1) }
    }

    static func read(_ fixture: Fixture, at offset: Int, count: Int) throws -> [UInt8] {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: device(fixture)))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        return [UInt8](try handle.read(upToCount: count) ?? Data())
    }

    static func write(_ fixture: Fixture, _ bytes: [UInt8], at offset: Int) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: device(fixture)))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data(bytes))
        try handle.synchronize()
    }

    static func deviceSize(_ fixture: Fixture) throws -> Int {
        Int(try Rig.shell("blockdev --getsize64 \(device(fixture))").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// Rewrites the pool's manifest device as dmsnap before format 2 left it:
    /// 8 MiB long, its newest manifest (the current one's records, ten
    /// generations on) in format 1 at 4 MiB, nothing at 0 or 1 GiB. Returns
    /// that manifest's generation.
    @discardableResult
    static func makeFormatOne(_ fixture: Fixture) throws -> UInt64 {
        let current = try slots(fixture)
        let newest = try #require([0, 1].filter { current[$0]?.version == 2 }.max { current[$0]!.generation < current[$1]!.generation })
        let length = try payloadLength(fixture, slot: newest)
        let payload = try read(fixture, at: newest * ManifestDevice.slotCapacity + 4096, count: length)
        let generation = current[newest]!.generation + 10
        var header = ManifestSlot.magic + ManifestSlot.littleEndian(UInt32(1)) + ManifestSlot.littleEndian(UInt32(length))
            + ManifestSlot.littleEndian(generation)
        var crc = CRC32C()
        crc.combine(header[...])
        crc.combine(payload[...])
        header += ManifestSlot.littleEndian(crc.value) + ManifestSlot.littleEndian(UInt32(0))
        let slot = header + payload
        for offset in [0, ManifestDevice.slotCapacity] { try write(fixture, [UInt8](repeating: 0, count: 4096), at: offset) }
        try write(fixture, slot + [UInt8](repeating: 0, count: ManifestSlot.roundedUp(slot.count) - slot.count), at: 4 << 20)
        let deviceMapper = DeviceMapper()
        let manifest = try PoolDevice.manifest(fixture.poolName)
        var table = try deviceMapper.table(manifest)
        table[0].length = (8 << 20) / 512
        try deviceMapper.reload(manifest, table: table)
        return generation
    }

    /// One SQL statement on the fixture's catalog, under dmsnap's lock; its first column's values.
    @discardableResult
    static func sql(_ fixture: Fixture, _ statement: String) throws -> String {
        try Rig.shell("""
            /usr/bin/python3 - <<'PY'
            import fcntl, sqlite3
            with open("\(fixture.stateDirectory)/lock", "a+") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                db = sqlite3.connect("\(fixture.stateDirectory)/catalog.sqlite", timeout=60)
                rows = db.execute(\"\"\"\(statement)\"\"\").fetchall()
                db.commit()
                print("\\n".join(str(row[0]) for row in rows))
            PY
            """).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `count` snapshots of `disk` with the longest name and description, as
    /// rows cloned from its newest one (Scripts/benchmarks/catalog_seed.py's
    /// way). With `kernel`, each is a real thin snapshot of the disk (a
    /// create_snap message straight to the pool) on thin ids from the pool's
    /// next; without, catalog rows alone, on thin ids from 1,000,000.
    static func seed(_ fixture: Fixture, disk: String, count: Int, kernel: Bool) throws {
        try seed(stateDirectory: fixture.stateDirectory, disk: disk, count: count, kernel: kernel)
    }

    static func seed(stateDirectory: String, disk: String, count: Int, kernel: Bool) throws {
        _ = try Rig.shell("""
            cd \(Self.repositoryRoot)/Scripts/benchmarks && /usr/bin/python3 - <<'PY'
            import catalog_seed, datetime, fcntl, sqlite3
            state, disk, count, kernel = "\(stateDirectory)", "\(disk)", \(count), \(kernel ? "True" : "False")
            name, description = "\(longestName)", "\\u2028" * 256
            with open(state + "/lock", "a+") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                db = sqlite3.connect(state + "/catalog.sqlite", timeout=60, isolation_level=None)
                db.row_factory = sqlite3.Row
                db.execute("BEGIN IMMEDIATE")
                template = dict(db.execute("SELECT * FROM snapshot WHERE diskId = ? ORDER BY createdAt DESC LIMIT 1", (disk,)).fetchone())
                origin = db.execute("SELECT thinId FROM disk WHERE id = ?", (disk,)).fetchone()["thinId"]
                pool = db.execute("SELECT name, poolId, nextThinId FROM pool WHERE name = ?", (template["poolName"],)).fetchone()
                first = pool["nextThinId"] if kernel else 1000000
                if kernel:
                    messages = catalog_seed.PoolMessages()
                    for thin in range(first, first + count):
                        messages.send("dmsnap-pool-%s-%s" % (pool["name"], pool["poolId"]), "create_snap %d %d" % (thin, origin))
                    db.execute("UPDATE pool SET nextThinId = ? WHERE name = ?", (first + count, pool["name"]))
                start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=count)
                for index in range(count):
                    row = dict(template)
                    row["id"] = catalog_seed.new_snapshot_id(db)
                    row["name"], row["description"], row["thinId"] = name, description, first + index
                    row["createdAt"] = row["modifiedAt"] = (start + datetime.timedelta(milliseconds=index)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
                    db.execute("INSERT INTO snapshot (%s) VALUES (%s)" % (", ".join(row), ", ".join("?" * len(row))), list(row.values()))
                    db.execute("INSERT INTO usedId (id) VALUES (?)", (row["id"],))
                db.execute("COMMIT")
            PY
            """)
    }
}
