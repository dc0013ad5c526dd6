import ArgumentParser
import Foundation

/// JSON as dmsnap prints it: sorted keys, so that output diffs and greps well.
enum JSONOutput {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Columns padded to their widest cell, two spaces apart, as `lvs` prints.
struct TextTable {
    var header: [String]
    var rows: [[String]]

    var rendered: String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.indices.map { column in
                column == row.count - 1 ? row[column] : row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// A failure from a lower layer, printed as `dmsnap: <what failed and why>` with exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ error: any Error) { description = String(describing: error) }
}
