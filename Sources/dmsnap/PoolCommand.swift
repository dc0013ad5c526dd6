import ArgumentParser
import DeviceMapper
import Snapshots

struct PoolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool",
        abstract: "Create, list and delete the thin pools dmsnap manages itself.",
        subcommands: [Create.self, List.self, Status.self, Delete.self, Set.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a thin pool on two block devices, or on sparse files.",
            discussion: """
                A data or metadata device that holds a filesystem, a partition table or
                an LVM PV is refused unless --force; a mounted or held one always is.
                The metadata device's first MiB is zeroed.

                Examples:
                  dmsnap pool create fast --data /dev/sdb --metadata /dev/sdc1
                  dmsnap pool create try --file-backed 10G
                """
        )

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The pool's name: letters, digits, '_', '.', '+', '-'.")
        var name: String

        @Option(help: ArgumentHelp("Block device for the pool's data.", valueName: "device"))
        var data: String?

        @Option(help: ArgumentHelp("Block device for the pool's metadata.", valueName: "device"))
        var metadata: String?

        @Option(name: .customLong("file-backed"),
                help: ArgumentHelp("Put the pool on sparse files of this size in the state directory.", valueName: "size"))
        var fileBacked: ByteSize?

        @Option(name: .customLong("block-size"), help: ArgumentHelp("Data block size, a multiple of 64K.", valueName: "size"))
        var blockSize: ByteSize?

        @Option(name: .customLong("low-water-mark"),
                help: ArgumentHelp("Free data blocks below which the kernel raises an event.", valueName: "blocks"))
        var lowWaterMark: UInt64?

        @Flag(help: "Overwrite devices that carry a filesystem, partition table or PV signature.")
        var force = false

        func validate() throws {
            switch (fileBacked, data, metadata) {
            case (.some, nil, nil), (nil, .some, .some): break
            case (.some, _, _): throw ValidationError("--file-backed and --data/--metadata exclude each other.")
            default: throw ValidationError("Give both --data and --metadata, or --file-backed SIZE.")
            }
            if force && fileBacked != nil {
                throw ValidationError("--force overwrites --data and --metadata devices; a file-backed pool makes new files.")
            }
            if let blockSize, blockSize.bytes % 65536 != 0 || blockSize.bytes > 1 << 30 {
                throw ValidationError("--block-size must be a multiple of 64K, at most 1G.")
            }
        }

        func run() throws {
            try Everyday.run(json: false) {
                let service = try global.service()
                let blockSectors = (blockSize?.bytes ?? 65536) / 512
                let pool: PoolRecord
                if let fileBacked {
                    pool = try service.createFileBackedPool(name: name, sizeBytes: fileBacked.bytes, blockSizeSectors: blockSectors,
                                                           lowWaterMarkBlocks: lowWaterMark)
                } else {
                    pool = try service.createPool(name: name, dataDevice: data!, metadataDevice: metadata!,
                                                  blockSizeSectors: blockSectors, lowWaterMarkBlocks: lowWaterMark, force: force)
                }
                print("Created pool \(pool.name) (\(ByteSize.format(pool.dataSectors * 512)), data \(pool.dataDevice), metadata \(pool.metadataDevice)).")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List pools with their data and metadata use.",
            aliases: ["ls"]
        )

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() throws {
            try Everyday.run(json: json) {
                let service = try global.service()
                let targets = try service.poolCopyTargets()
                let rows = try service.listPools().map { PoolRow($0, copyTarget: targets[$0.record.name]) }
                if json {
                    print(try JSONOutput.encode(rows))
                } else {
                    print(TextTable(header: ["POOL", "SIZE", "DATA%", "META%", "TRANSACTION", "MODE", "DISKS", "SNAPSHOTS", "COPY TO"],
                                    rows: rows.map(\.cells)).rendered)
                }
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Show one pool's devices, use, transaction id and mode.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The pool's name.")
        var name: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            try Everyday.run(json: json) {
                guard let report = try global.service().listPools().first(where: { $0.record.name == name }) else {
                    throw SnapshotsError(.invalidPoolNotFound, "no pool is named \(UntrustedText.quoted(name, limit: 80))")
                }
                let row = PoolRow(report)
                if json {
                    print(try JSONOutput.encode(row))
                } else {
                    let pairs = [("Pool", row.name), ("Identity", row.poolId), ("Device", "/dev/mapper/\(row.device)"), ("Data device", row.dataDevice), ("Metadata device", row.metadataDevice),
                                 ("Size", row.size), ("Data used", row.dataPercent + "%"), ("Metadata used", row.metadataPercent + "%"),
                                 ("Transaction id", row.transactionId), ("Mode", row.mode),
                                 ("Disks", String(row.disks)), ("Snapshots", String(row.snapshots))]
                    for (key, value) in pairs { print("\((key + ":").padding(toLength: 17, withPad: " ", startingAt: 0))\(value)") }
                }
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete",
            abstract: "Delete a pool that has no disks and no snapshots left.",
            discussion: "A file-backed pool's loop devices and files are removed with it.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The pool's name.")
        var name: String

        func run() throws {
            try Everyday.run(json: false) {
                try global.service().deletePool(name: name)
                print("Deleted pool \(name).")
            }
        }
    }
}

/// One pool as `pool list` and `pool status` show it.
struct PoolRow: Encodable {
    var name, dataDevice, metadataDevice, size, dataPercent, metadataPercent, transactionId, mode: String
    var disks, snapshots: Int
    /// The pool's identity, and the device-mapper device that carries it.
    var poolId, device: String
    /// The repository its snapshots are copied into before the default one (`pool set --copy-to`).
    var copyTarget: String?

    init(_ report: PoolReport, copyTarget: String? = nil) {
        self.copyTarget = copyTarget
        name = report.record.name
        poolId = report.record.poolId
        device = report.record.kernelName
        dataDevice = report.record.dataFile.map { "\(report.record.dataDevice) (\($0))" } ?? report.record.dataDevice
        metadataDevice = report.record.metadataFile.map { "\(report.record.metadataDevice) (\($0))" } ?? report.record.metadataDevice
        size = ByteSize.format(report.record.dataSectors * 512)
        let details = report.status?.details
        dataPercent = details.map { String(format: "%.1f", $0.dataPercentUsed) } ?? "-"
        metadataPercent = details.map { String(format: "%.1f", $0.metadataPercentUsed) } ?? "-"
        transactionId = details.map { String($0.transactionID) } ?? "-"
        mode = switch report.status?.mode {
        case .readWrite: details?.needsCheck == true ? "needs_check" : "rw"
        case .readOnly: "ro"
        case .outOfDataSpace: "out_of_data_space"
        case .failed: "fail"
        case nil: "inactive"
        }
        disks = report.diskCount
        snapshots = report.snapshotCount
    }

    var cells: [String] { [name, size, dataPercent, metadataPercent, transactionId, mode, String(disks), String(snapshots), copyTarget ?? "-"] }
}
