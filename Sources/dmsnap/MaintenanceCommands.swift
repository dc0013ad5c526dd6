import ArgumentParser
import Snapshots

struct ActivateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activate",
        abstract: "Re-create every pool and disk of the catalog in the kernel (run at boot).",
        discussion: """
            Safe to run at any time: what is already active is left alone. The
            systemd unit dmsnap-activate.service in the repository runs it at boot.
            A pool or disk that cannot be brought up (its files gone, a device of
            its name that is not its own) does not keep the others down: everything
            else is activated, and the command then names what it could not, and why,
            and exits 1.
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try Everyday.run(json: false) {
            let service = try global.service()
            let report = try service.activate()
            for snapshot in try service.resumeInterruptedCopies() {
                print("Restarted the copy of snapshot \(snapshot) (in the background).")
            }
            SnapshotCommand.Release.report(try service.releaseDueSnapshots())
            if !report.activated.isEmpty {
                print("Activated \(report.activated.joined(separator: ", ")).")
            } else if report.problems.isEmpty {
                print("Everything was already active.")
            }
            if !report.problems.isEmpty {
                throw SnapshotsError(.kernel, "could not activate everything:\n" + report.problems.map { "  " + $0 }.joined(separator: "\n"))
            }
        }
    }
}

struct RecoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Finish or undo operations a crash interrupted, and resume suspended dmsnap devices; rebuild a lost catalog.",
        discussion: """
            Every command that changes state runs this first; run it by hand after a crash to see what it did.

            A damaged catalog (truncated, overwritten, not an SQLite database, a record that
            cannot be read) stops every command, this one included, with an error that names
            the file. dmsnap never repairs, rewrites or replaces it: restore it from a backup,
            or move it aside with its -wal and -shm files and rebuild it (--rebuild).

            A missing or empty catalog is created on first use. In a state directory dmsnap
            has used before (it holds the lock file or pool files), every other command
            refuses to start an empty one, because the records of existing pools, disks and
            snapshots would silently vanish; this command starts it and says so.

            --rebuild fills that new catalog from what the host still holds:
              - every native pool keeps its own records (disks, snapshots, groups: IDs,
                names, descriptions, thin ids, sizes, times) on a small reserved thin
                device, rewritten after every change; a rebuild reads them back.
                Pools are found by their device-mapper devices and, for file-backed
                pools, by their files in the state directory (put back on loop
                devices when a reboot took them). A pool on block devices that is
                not active cannot be found: nothing marks those devices as dmsnap's.
              - the kernel is the truth: a record whose thin device is gone is
                dropped; a thin device without a record is kept as a record named
                recovered-POOL-ID (a snapshot, or the disk its active device shows),
                never deleted.
              - a pool is taken when it is this state directory's: its files are
                here, or its manifest names this directory. The pools of another
                state directory (another --state-dir on the host) are left alone,
                as is a pool on block devices without a readable manifest;
                --pool NAME takes such a pool (or one whose state directory moved).
              - LVM disks and snapshots come back by their LV UUIDs and the IDs
                dmsnap tags them with.
            It refuses to run over a catalog that can be read and holds anything,
            and then changes nothing.

            Examples:
              dmsnap recover
              mv /var/lib/dmsnap/catalog.sqlite{,-wal,-shm} /root/broken-catalog/
              dmsnap recover --rebuild
              dmsnap recover --rebuild --pool data --pool logs
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Start a new catalog and fill it from the pools' own records and LVM (after the catalog was lost or moved aside).")
    var rebuild = false

    @Option(name: .customLong("pool"), help: ArgumentHelp(
        "With --rebuild: take this pool even though nothing shows it is this state directory's (repeatable).",
        valueName: "name"))
    var adoptedPools: [String] = []

    func validate() throws {
        if !adoptedPools.isEmpty && !rebuild { throw ValidationError("--pool only goes with --rebuild") }
    }

    func run() throws {
        try Everyday.run(json: false) {
            let service = try global.service(startingAfresh: true)
            if service.startedAfreshCatalog {
                Swift.print("Started a new, empty catalog in \(service.stateDirectory): the old one was missing or empty.")
            }
            if rebuild {
                return Self.show(try service.rebuildCatalog(adopting: Set(adoptedPools)), stateDirectory: service.stateDirectory)
            }
            let report = try service.recover()
            for hold in report.releasedHolds { print("released: \(hold) (a snapshot group's holder and guardian died)") }
            for snapshot in report.releasedMetadataSnapshots { print("released: \(snapshot) (a block-map scan was killed)") }
            for device in report.resumedDevices { print("resumed \(device)") }
            for operation in report.finished { print("finished \(operation)") }
            for operation in report.undone { print("undid \(operation)") }
            for disk in report.deletedRestores { print("deleted disk \(disk): its restore or receive was interrupted") }
            let resumedCopies = try service.resumeInterruptedCopies()
            for snapshot in resumedCopies { print("restarted the copy of snapshot \(snapshot) (in the background)") }
            let sweep = try service.releaseDueSnapshots()
            SnapshotCommand.Release.report(sweep)
            if sweep.released.isEmpty && report.resumedDevices.isEmpty && report.finished.isEmpty && report.undone.isEmpty && report.releasedHolds.isEmpty
                && report.releasedMetadataSnapshots.isEmpty && report.deletedRestores.isEmpty && resumedCopies.isEmpty {
                print("Nothing to recover.")
            }
        }
    }

    private static func show(_ report: RebuildReport, stateDirectory: String) {
        Swift.print("""
            Rebuilt the catalog in \(stateDirectory) from \(report.pools.count) native pool(s): \(report.nativeDisks) disk(s), \
            \(report.nativeSnapshots) snapshot(s), \(report.groups) snapshot group(s); from LVM: \(report.lvmDisks) disk(s), \
            \(report.lvmSnapshots) snapshot(s).
            """)
        for pool in report.pools { Swift.print("pool \(pool)") }
        for line in report.recovered { Swift.print("recovered: \(line)") }
        for line in report.dropped { Swift.print("dropped: \(line)") }
        for line in report.problems { Swift.print("could not place: \(line)") }
        for line in report.leftAlone { Swift.print("left alone: pool \(line)") }
    }
}
