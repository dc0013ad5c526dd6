import ArgumentParser
import ECS
import Foundation
import Snapshots

/// A command in the ECS spelling: JSON on stdout, or an ECS error
/// `{"RequestId","Code","Message"}` on stderr and exit 1.
protocol ECSVerb: ParsableCommand {
    var global: GlobalOptions { get }
    var output: OutputOption { get }
    /// Print the response on one line (CreateSnapshot's is documented that way).
    var compactResponse: Bool { get }
    /// Does the work and returns the response body (its RequestId is filled in by `run`).
    func respond(_ service: SnapshotService, requestId: String) throws -> any Encodable
}

/// `--output cols=A,B [rows=EXPR]`, as the aliyun CLI takes it.
struct OutputOption: ParsableArguments {
    @Option(name: .customLong("output"), parsing: .upToNextOption,
            help: ArgumentHelp("Print a table of these columns instead of JSON, as the aliyun CLI does: cols=A,B [rows=Path.To[]].",
                               valueName: "cols=…"))
    var words: [String] = []
}

extension ECSVerb {
    func run() throws {
        let requestId = ECSResponse.newRequestId()
        do {
            let body = try respond(try global.service(), requestId: requestId)
            let json = try ECSResponse.encode(AnyEncodable(body), pretty: !compactResponse)
            if output.words.isEmpty {
                print(json)
            } else {
                print(try OutputColumns(arguments: output.words).render(json: json), terminator: "")
            }
        } catch {
            let failure = ECSError(error, requestId: RequestID(requestId) ?? RequestID())
            FileHandle.standardError.write(Data((failure.jsonText + "\n").utf8))
            throw ExitCode(1)
        }
    }

    var compactResponse: Bool { false }
}

/// A command line an ECS verb could not parse or validate, as an ECS error.
enum ECSUsageError {
    /// Prints `{"RequestId","Code","Message"}` and exits with ArgumentParser's
    /// status when `arguments` name an ECS verb; returns otherwise (and for
    /// `--help` and `--version`, which are not errors).
    static func exitIfECSVerb(_ arguments: [String], error: any Error) {
        let verbs = DMSnap.configuration.subcommands.filter { $0 is any ECSVerb.Type }
        guard let first = arguments.first, verbs.contains(where: { $0.configuration.commandName == first }) else { return }
        let status = DMSnap.exitCode(for: error)
        guard !status.isSuccess else { return }
        let message = DMSnap.message(for: error)
        // ArgumentParser's parse errors are not public types; its wording is what tells a missing parameter.
        let code: ECSError.Code = message.hasPrefix("Missing") ? .missingParameter : .invalidParameter
        FileHandle.standardError.write(Data((ECSError(code, message).jsonText + "\n").utf8))
        DMSnap.exit(withError: ExitCode(status.rawValue))
    }
}

/// Lets `respond` return any body.
struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
