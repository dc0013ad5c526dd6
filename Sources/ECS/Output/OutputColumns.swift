import Snapshots

/// `--output cols=A,B [rows=EXPR] [num=true]`: a response printed as a table,
/// exactly as the aliyun CLI prints it (openapi/output_filter.go,
/// TableOutputFilter, and cli/flag.go for the field words).
///
/// - `rows` is a JMESPath expression evaluated on the response (aliyun
///   evaluates `RootFilter[0].` + rows on `{"RootFilter":[response]}`). When
///   it is omitted, the table has one row: the response itself
///   (`RootFilter`). Current aliyun-cli does not search for an array.
/// - Each column is a JMESPath expression on a row; a column that selects
///   nothing prints `<nil>`. When the rows are arrays rather than objects,
///   each column is `name:N`, the row's N-th element under the header `name`.
/// - `num=true` adds a first column `Num` counting rows from 0.
///
/// Deliberate differences, all for input the aliyun CLI would accept and print
/// uselessly: a word without `=`, an unknown field, an empty column, a column
/// that is not valid JMESPath, or a `num=` other than true/false is an error
/// here (aliyun ignores the first two and prints `<nil>` cells for the next).
public struct OutputColumns: Sendable {
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// A `cols=` entry: a JMESPath on an object row, or `name:N` on an array row.
    enum Column: Sendable, Equatable {
        case path(JMESPath)
        case element(name: String, index: Int)
    }

    /// The columns as written; they are the header (for `name:N`, its name).
    public let columns: [String]
    public let rows: String?
    public let numbered: Bool
    let parsedColumns: [Column]
    let rowsPath: JMESPath?

    /// Parses the words after `--output`, one `key=value` per word, e.g.
    /// `["cols=SnapshotId,Status", "rows=Snapshots.Snapshot[]"]`.
    public init(arguments: [String]) throws(Error) {
        var values: [String: String] = [:]
        for word in arguments {
            guard let equals = word.firstIndex(of: "=") else {
                throw Error(description: "--output takes key=value words, cols=A,B [rows=EXPR] [num=true]; \(UntrustedText.quoted(word)) has no '='")
            }
            let key = String(word[..<equals]), value = String(word[word.index(after: equals)...])
            guard ["cols", "rows", "num"].contains(key) else {
                throw Error(description: "--output has no field \(UntrustedText.quoted(key)); use cols=, rows= or num=")
            }
            guard values.updateValue(value, forKey: key) == nil else {
                throw Error(description: "--output has \(key)= twice")
            }
        }
        guard var cols = values["cols"] else {
            throw Error(description: "--output needs cols=, e.g. --output cols=SnapshotId,Status rows=Snapshots.Snapshot[]")
        }
        // aliyun unquotes a cols value wrapped in double quotes (cli.UnquoteString).
        if cols.count >= 2, cols.hasPrefix("\""), cols.hasSuffix("\"") { cols = String(cols.dropFirst().dropLast()) }
        columns = cols.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        parsedColumns = try columns.map { column throws(Error) in try Self.column(column) }

        rows = values["rows"]
        if let rows {
            let path: JMESPath
            do throws(JMESPath.SyntaxError) { path = try JMESPath(rows) } catch { throw Error(description: "rows=: \(error.description)") }
            guard path.startsWithName else {
                throw Error(description: "rows= must start with a name, e.g. rows=Snapshots.Snapshot[]")
            }
            rowsPath = path
        } else {
            rowsPath = nil
        }

        switch values["num"] {
        case nil, "false": numbered = false
        case "true": numbered = true
        case let other?: throw Error(description: "num= takes true or false, not \(UntrustedText.quoted(other))")
        }
    }

    private static func column(_ text: String) throws(Error) -> Column {
        guard !text.isEmpty else { throw Error(description: "cols= has an empty column name") }
        // aliyun: name:N, where N is digits (Atoi), for rows that are arrays.
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, let index = Int(parts[1]), parts[1].allSatisfy(\.isASCII), parts[1].allSatisfy(\.isNumber) {
            return .element(name: String(parts[0]), index: index)
        }
        do throws(JMESPath.SyntaxError) {
            return .path(try JMESPath(text))
        } catch {
            throw Error(description: "cols=: \(error.description)")
        }
    }

    /// The table for a response body given as JSON text.
    public func render(json: String) throws(Error) -> String {
        let response: JSONValue
        do throws(JSONValue.ParseError) { response = try JSONValue(parsing: json) } catch { throw Error(description: "the response is \(error.description)") }
        return try render(response)
    }

    /// The table for a response, byte for byte what `aliyun` writes to stdout:
    /// the tabwriter's lines, each ending in a newline, then one more newline
    /// (the CLI prints the table with Println).
    public func render(_ response: JSONValue) throws(Error) -> String {
        let rowValues: [JSONValue]
        if let rowsPath {
            guard case .array(let selected) = rowsPath.search(response) else {
                throw Error(description: "rows=\(rows ?? "") does not select an array in the response")
            }
            rowValues = selected
        } else {
            rowValues = [response]
        }
        let table = try OutputTable(columns: columns, parsedColumns: parsedColumns, numbered: numbered, rows: rowValues)
        return TabWriter.format(table.text) + "\n"
    }
}
