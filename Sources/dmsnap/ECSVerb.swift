import ArgumentParser
import ECS
import Foundation
import Snapshots

/// A command in the ECS spelling: JSON on stdout, or an ECS error
/// `{"RequestId","Code","Message"}` on stderr and exit 1.
///
/// Every option is checked in `validate()`, before the service is opened:
/// a verb that changes state must not make its change and then refuse the
/// command over an option (a `--output` it cannot print, say).
protocol ECSVerb: ParsableCommand {
    var global: GlobalOptions { get }
    var output: OutputOption { get }
    /// Print the response on one line (CreateSnapshot's is documented that way).
    var compactResponse: Bool { get }
    /// A response of the shape this invocation will print, for a verb that
    /// changes state: `--output` is rendered from it in `validate()`, so a
    /// table that cannot be printed (rows= selecting no array, `name:N`
    /// columns over object rows) is refused before the change. Nil for a
    /// verb that only reads: its failure after the read changes nothing.
    var responseSample: (any Encodable)? { get }
    /// The verb's own checks of its options, run by `validate()` after `--output`'s.
    func validateOptions() throws
    /// Does the work and returns the response body (its RequestId is filled in by `run`).
    func respond(_ service: SnapshotService, requestId: String) throws -> any Encodable
}

/// `--output cols=A,B [rows=EXPR]`, as the aliyun CLI takes it.
struct OutputOption: ParsableArguments {
    @Option(name: .customLong("output"), parsing: .upToNextOption,
            help: ArgumentHelp("Print a table of these columns instead of JSON, as the aliyun CLI does: cols=A,B [rows=Path.To[]].",
                               valueName: "cols=…"))
    var words: [String] = []

    /// The table asked for; nil without `--output`.
    func columns() throws -> OutputColumns? {
        guard !words.isEmpty else { return nil }
        do throws(OutputColumns.Error) {
            return try OutputColumns(arguments: words)
        } catch {
            throw ValidationError(Self.message(error))
        }
    }

    func validate() throws { _ = try columns() }

    /// Refuses a table that cannot be printed from a response shaped like `sample`.
    func check(against sample: any Encodable, verb: String) throws {
        guard let columns = try columns() else { return }
        do {
            _ = try columns.render(try JSONValue(encoding: AnyEncodable(sample)))
        } catch let error as OutputColumns.Error {
            throw ValidationError("\(Self.message(error)) (\(verb)'s response has no such table)")
        }
    }

    private static func message(_ error: OutputColumns.Error) -> String {
        error.description.hasPrefix("--output") ? error.description : "--output: \(error.description)"
    }
}

extension ECSVerb {
    func validate() throws {
        if let responseSample { try output.check(against: responseSample, verb: Self.configuration.commandName ?? "the verb") }
        try validateOptions()
    }

    func validateOptions() throws {}

    func run() throws {
        let requestId = ECSResponse.newRequestId()
        do {
            let columns = try output.columns()
            let body = try respond(try global.service(), requestId: requestId)
            let json = try ECSResponse.encode(AnyEncodable(body), pretty: !compactResponse)
            if let columns {
                print(try columns.render(json: json), terminator: "")
            } else {
                print(json)
            }
        } catch {
            let failure = ECSError(error, requestId: RequestID(requestId) ?? RequestID())
            FileHandle.standardError.write(Data((failure.jsonText + "\n").utf8))
            throw ExitCode(1)
        }
    }

    var compactResponse: Bool { false }
}

/// Lets `respond` return any body.
struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
