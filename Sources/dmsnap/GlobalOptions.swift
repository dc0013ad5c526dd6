import ArgumentParser
import DeviceMapper
import Snapshots

/// Options every command that touches state takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"),
            help: ArgumentHelp("Where the catalog lives (default: $DMSNAP_STATE_DIR or /var/lib/dmsnap).", valueName: "dir"))
    var stateDirectory: String?

    @Flag(name: .customLong("no-udev"), help: "Do not wait for udev; libdevmapper makes the /dev/mapper nodes itself.")
    var noUdev = false

    /// `startingAfresh`: `recover` may start an empty catalog where one went missing.
    func service(startingAfresh: Bool = false) throws -> SnapshotService {
        try SnapshotService(stateDirectory: StateDirectory.resolve(stateDirectory),
                            deviceMapper: DeviceMapper(udev: noUdev ? nil : UdevSynchronization()),
                            startingAfresh: startingAfresh)
    }
}
