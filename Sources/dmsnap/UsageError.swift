import ArgumentParser
import ECS
import Foundation
import Snapshots

/// A command line dmsnap could not parse or validate, printed safely.
///
/// ArgumentParser quotes the offending arguments verbatim, so hostile input
/// would reach the terminal raw: escape sequences it would act on, a bidi
/// override reordering the line, a megabyte argument as a megabyte error.
/// Every line is escaped and cut short here. An ECS verb answers as ECS does:
/// one JSON error on stderr, which automation parses like any other failure.
enum UsageError {
    /// The most of one line of the message that is printed.
    static let lineLimit = 500

    static func exit(_ arguments: [String], error: any Error) -> Never {
        let status = DMSnap.exitCode(for: error)
        if isECSVerb(arguments.first) {
            let message = safe(DMSnap.message(for: error))
            // ArgumentParser's parse errors are not public types; its wording is what tells a missing parameter.
            let code: ECSError.Code = message.hasPrefix("Missing") ? .missingParameter : .invalidParameter
            FileHandle.standardError.write(Data((ECSError(code, message).jsonText + "\n").utf8))
        } else {
            FileHandle.standardError.write(Data((safe(DMSnap.fullMessage(for: error)) + "\n").utf8))
        }
        Foundation.exit(status.rawValue)
    }

    private static func isECSVerb(_ name: String?) -> Bool {
        DMSnap.configuration.subcommands.contains { $0 is any ECSVerb.Type && $0.configuration.commandName == name }
    }

    /// Each line with its control, format and bidi characters escaped, at most `lineLimit` scalars long.
    static func safe(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var result = ""
            for (count, scalar) in line.unicodeScalars.enumerated() {
                if count == lineLimit {
                    result += "…"
                    break
                }
                result += scalar == "\"" || scalar == "\\" ? String(scalar) : UntrustedText.escaped(scalar)
            }
            return result
        }.joined(separator: "\n")
    }
}
