import ArgumentParser
import DeviceMapper

struct DMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dm",
        abstract: "Look at device-mapper devices directly (read-only).",
        subcommands: [List.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls",
            abstract: "List every device-mapper device with its targets, like `dmsetup ls` plus `dmsetup table`.",
            discussion: """
                Columns: NAME, MAJ:MIN, TARGETS (the target type of each table line), OPEN (open
                count), STATE (active or suspended) and UUID.

                Example:
                  dmsnap dm ls --json | jq '.[] | select(.targets[0] == "thin-pool") | .name'
                """
        )

        @Flag(help: "Print a JSON array instead of a table.")
        var json = false

        struct Row: Encodable {
            var name: String
            var device: String
            var targets: [String]
            var openCount: Int32
            var suspended: Bool
            var uuid: String?
        }

        func run() throws {
            let deviceMapper = DeviceMapper(udev: nil)
            do {
                let rows = try deviceMapper.list().compactMap { device throws(DeviceMapperError) -> Row? in
                    // A device removed between the listing and the lookup is simply gone.
                    guard let info = try deviceMapper.info(device.name),
                          let table = try deviceMapper.tableIfPresent(device.name) else { return nil }
                    return Row(name: info.name, device: info.number.description, targets: table.map(\.type),
                               openCount: info.openCount, suspended: info.isSuspended, uuid: info.uuid)
                }
                if json {
                    print(try JSONOutput.encode(rows))
                } else {
                    print(TextTable(
                        header: ["NAME", "MAJ:MIN", "TARGETS", "OPEN", "STATE", "UUID"],
                        rows: rows.map {
                            [$0.name, $0.device, $0.targets.joined(separator: ","), String($0.openCount),
                             $0.suspended ? "suspended" : "active", $0.uuid ?? "-"]
                        }).rendered)
                }
            } catch let error as DeviceMapperError {
                throw CommandFailure(error)
            }
        }
    }
}
