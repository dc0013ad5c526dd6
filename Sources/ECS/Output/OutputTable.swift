import Snapshots

/// The text aliyun's FormatTable hands to the tabwriter: a header, a line of
/// dashes, then one line per row, cells joined by `"\t "` (its format string
/// is `"%v\t "` repeated, then `"%v"`, so every cell but the first starts with
/// a space and the tabwriter's Debug bar lands as `" | "`).
struct OutputTable {
    let text: String

    /// Lays out `rows`. Rows are objects unless the first row is an array; then
    /// every column must be `name:N`.
    init(columns: [String], parsedColumns: [OutputColumns.Column], numbered: Bool, rows: [JSONValue]) throws(OutputColumns.Error) {
        var header: [String] = numbered ? ["Num"] : []
        var cells: [(JSONValue) -> String] = []
        if case .array = rows.first {
            for (text, column) in zip(columns, parsedColumns) {
                guard case .element(let name, let index) = column, text != "Num" else {
                    throw OutputColumns.Error(description:
                        "the rows are arrays, so each column must be name:N (N the element's index), like name:0; \(UntrustedText.quoted(text)) is not")
                }
                header.append(name)
                cells.append { row in GoValueText.text(row[index] ?? .null) }
            }
        } else {
            for (text, column) in zip(columns, parsedColumns) {
                guard case .path(let path) = column else {
                    throw OutputColumns.Error(description:
                        "\(UntrustedText.quoted(text)) is a column of array rows (name:N), but the rows are objects; give a field name")
                }
                header.append(text)
                cells.append { row in GoValueText.text(path.search(row)) }
            }
        }
        // aliyun: strings.Repeat("-", len(colName)), and Go's len counts bytes.
        var lines = [header, header.map { String(repeating: "-", count: $0.utf8.count) }]
        for (number, row) in rows.enumerated() {
            lines.append((numbered ? [String(number)] : []) + cells.map { $0(row) })
        }
        text = lines.map { $0.joined(separator: "\t ") + "\n" }.joined()
    }
}
