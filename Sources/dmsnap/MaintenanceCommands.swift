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
        discussion: "Every command that changes state runs this first; run it by hand after a crash to see what it did."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try Everyday.run(json: false) {
            let report = try global.service().recover()
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
