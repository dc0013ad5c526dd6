import ArgumentParser
import Snapshots

struct ActivateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activate",
        abstract: "Re-create every pool and disk of the catalog in the kernel (run at boot).",
        discussion: """
            Safe to run at any time: what is already active is left alone. The
            systemd unit dmsnap-activate.service in the repository runs it at boot.
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try Everyday.run(json: false) {
            let activated = try global.service().activate()
            print(activated.isEmpty ? "Everything was already active." : "Activated \(activated.joined(separator: ", ")).")
        }
    }
}

struct RecoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Finish or undo operations a crash interrupted, and resume suspended dmsnap devices.",
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

            Example:
              dmsnap recover
            """
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try Everyday.run(json: false) {
            let service = try global.service(startingAfresh: true)
            if service.startedAfreshCatalog {
                print("Started a new, empty catalog in \(service.stateDirectory): the old one was missing or empty.")
            }
            let report = try service.recover()
            for hold in report.releasedHolds { print("released: \(hold) (a snapshot group's holder and guardian died)") }
            for device in report.resumedDevices { print("resumed \(device)") }
            for operation in report.finished { print("finished \(operation)") }
            for operation in report.undone { print("undid \(operation)") }
            if report.resumedDevices.isEmpty && report.finished.isEmpty && report.undone.isEmpty && report.releasedHolds.isEmpty {
                print("Nothing to recover.")
            }
        }
    }
}
