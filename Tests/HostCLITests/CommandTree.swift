import Foundation

/// Every command dmsnap has, read from the binary itself
/// (`--experimental-dump-help`, swift-argument-parser's JSON of the whole tree),
/// so a command added later is fuzzed without anyone listing it here.
struct CommandTree {
    struct Option {
        /// With its dashes: `--DiskId`, `-h`.
        let spelling: String
        let takesValue: Bool
        let repeats: Bool
    }

    /// A command that runs (has no subcommands), e.g. `snapshot create`.
    struct Leaf {
        let path: [String]
        let options: [Option]
        let positionals: Int
        /// The last positional takes any number of words.
        let repeatingPositional: Bool

        var takesStateDirectory: Bool { options.contains { $0.spelling == "--state-dir" } }
        /// The ECS spelling: `CreateSnapshot`, not `snapshot create`.
        var isECSVerb: Bool { path.first?.first?.isUppercase == true }
        var name: String { path.joined(separator: " ") }
    }

    let leaves: [Leaf]

    init(binary: String) throws {
        let result = try Invocation(binary, ["--experimental-dump-help"]).run()
        guard result.status == 0 else { throw TreeError("dmsnap --experimental-dump-help failed: \(result.errorText)") }
        let dump = try JSONDecoder().decode(Dump.self, from: Data(result.output))
        var leaves: [Leaf] = []
        func walk(_ command: Dump.Command, path: [String]) {
            guard let subcommands = command.subcommands, !subcommands.isEmpty else {
                let arguments = command.arguments ?? []
                let positionals = arguments.filter { $0.kind == "positional" }
                leaves.append(Leaf(
                    path: path,
                    options: arguments.filter { $0.kind != "positional" }.flatMap { argument in
                        (argument.names ?? []).map { name in
                            Option(spelling: (name.kind == "short" ? "-" : name.kind == "longWithSingleDash" ? "-" : "--") + name.name,
                                   takesValue: argument.kind == "option", repeats: argument.isRepeating ?? false)
                        }
                    },
                    positionals: positionals.count,
                    repeatingPositional: positionals.last?.isRepeating ?? false))
                return
            }
            for subcommand in subcommands { walk(subcommand, path: path + [subcommand.commandName]) }
        }
        walk(dump.command, path: [])
        self.leaves = leaves
    }

    private struct Dump: Decodable {
        struct Name: Decodable { let kind: String; let name: String }
        struct Argument: Decodable {
            let kind: String
            let names: [Name]?
            let isRepeating: Bool?
        }
        struct Command: Decodable {
            let commandName: String
            let arguments: [Argument]?
            let subcommands: [Command]?
        }
        let command: Command
    }
}

struct TreeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
