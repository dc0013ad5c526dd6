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

/// Lets `respond` return any body.
struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
