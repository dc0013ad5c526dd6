import ArgumentParser
import Foundation
import Snapshots

/// Hidden commands that expose internals to the integration tests.
struct DebugCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug", abstract: "Internal: inspect what dmsnap computes.", shouldDisplay: false,
        subcommands: [BlockMapCommand.self])
}

/// Prints the byte ranges a copy of a snapshot would read, as JSON:
/// `{"BlockSize":N,"VolumeSize":N,"TotalBytes":N,"Ranges":[[offset,length],…]}`.
struct BlockMapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "block-map", abstract: "Print the byte ranges a copy of SNAPSHOT reads (all mapped, or changed since --base).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The snapshot (s- ID or name).") var snapshot: String
    @Option(help: "An earlier snapshot of the same disk: print only what changed since it.") var base: String?

    func run() throws {
        try Everyday.run(json: true) {
            let service = try global.service()
            let target = try service.resolveSnapshot(snapshot).id
            let baseId = try base.map { try service.resolveSnapshot($0).id }
            let map = try service.blockMap(of: target, base: baseId)
            let ranges = map.ranges.map { "[\($0.offset),\($0.length)]" }.joined(separator: ",")
            print("{\"BlockSize\":\(map.blockSizeBytes),\"VolumeSize\":\(map.volumeSizeBytes),\"TotalBytes\":\(map.totalBytes),\"Ranges\":[\(ranges)]}")
        }
    }
}
