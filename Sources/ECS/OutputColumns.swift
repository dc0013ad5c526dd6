import Foundation

/// `--output cols=A,B [rows=EXPR] [num=true]`, rendered as the aliyun CLI renders it:
/// the rows are a JMESPath expression to an array of the response (found
/// automatically when omitted), each column a JMESPath field of a row, laid out by
/// Go's text/tabwriter (minwidth 0, padding 1, Debug: ` |` between columns), under
/// a header and a line of dashes as long as each column name.
public struct OutputColumns: Sendable {
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
    }

    public let columns: [String]
    public let rows: String?
    public let numbered: Bool

    /// Parses the words after `--output`, e.g. `["cols=SnapshotId,Status", "rows=Snapshots.Snapshot[]"]`.
    public init(arguments: [String]) throws {
        var columns: [String]?, rows: String?, numbered = false
        for word in arguments.flatMap({ $0.split(separator: " ") }) {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw Error(description: "--output takes cols=A,B [rows=EXPR] [num=true], not \(word.prefix(60).debugDescription)")
            }
            switch parts[0] {
            case "cols": columns = parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            case "rows": rows = parts[1]
            case "num": numbered = parts[1] == "true"
            default: throw Error(description: "--output has no field \(parts[0].prefix(30).debugDescription); use cols=, rows= or num=")
            }
        }
        guard let columns, !columns.isEmpty, columns.allSatisfy({ !$0.isEmpty }) else {
            throw Error(description: "--output needs cols=, e.g. --output cols=SnapshotId,Status")
        }
        for expression in columns + [rows].compactMap({ $0 }) { _ = try JMESPath(expression) }
        self.columns = columns
        self.rows = rows
        self.numbered = numbered
    }

    /// The table for a response body.
    public func render(json: String) throws -> String {
        let document = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        let rowPath = try rows ?? Self.detectArrayPath(document)
        guard let rowValues = try JMESPath(rowPath).search(document) as? [Any] else {
            throw Error(description: "rows=\(rowPath) does not select an array in the response")
        }
        let header = (numbered ? ["Num"] : []) + columns
        var lines: [[String]] = [header, header.map { String(repeating: "-", count: $0.utf8.count) }]
        for (index, row) in rowValues.enumerated() {
            let cells = try columns.map { try Self.format(JMESPath($0).search(row)) }
            lines.append((numbered ? [String(index)] : []) + cells)
        }
        return TabWriter.render(lines)
    }

    /// aliyun's DetectArrayPath: the first member that is an object holding an
    /// array (ECS's `Snapshots.Snapshot`), or a top-level array.
    static func detectArrayPath(_ document: Any) throws -> String {
        if let object = document as? [String: Any] {
            for key in object.keys.sorted() {
                if let inner = object[key] as? [String: Any],
                   let arrayKey = inner.keys.sorted().first(where: { inner[$0] is [Any] }) {
                    return "\(key).\(arrayKey)[]"
                }
            }
            if let key = object.keys.sorted().first(where: { object[$0] is [Any] }) { return "\(key)[]" }
        }
        throw Error(description: "the response holds no array to print as rows; give rows=")
    }

    /// Go's `fmt.Sprintf("%v", v)` for a decoded JSON value.
    static func format(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: return "<nil>"
        case let string as String: return string
        case let number as NSNumber:
            // JSONSerialization marks true and false with objCType "c".
            if String(cString: number.objCType) == "c" { return number.boolValue ? "true" : "false" }
            return GoFloat.format(number.doubleValue)
        case let array as [Any]: return "[" + array.map { format($0) }.joined(separator: " ") + "]"
        case let object as [String: Any]:
            return "map[" + object.keys.sorted().map { "\($0):\(format(object[$0]))" }.joined(separator: " ") + "]"
        default: return "\(value!)"
        }
    }
}
