/// Go's text/tabwriter as the aliyun CLI sets it up for `--output`:
/// `tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.Debug)`, i.e. minwidth 0,
/// tabwidth 0, padding 1, padchar ' ', flags Debug. A port of the algorithm
/// (elastic tabstops), not an approximation, so that odd cells (a tab or a
/// newline inside a value) lay out as they do in Go:
///
/// - Text is cut into cells at `\t` and `\v` (cell ends) and `\n` and `\f`
///   (line ends). A cell ended by a tab belongs to a column; the last cell of
///   a line does not.
/// - A column is a run of consecutive lines that all have a cell in it; its
///   width is its widest cell, counted in Unicode scalars (Go counts runes),
///   plus the padding of 1.
/// - Cells are written left-aligned and padded with spaces to the column
///   width; with Debug, a `|` is written before every cell but a line's first.
/// - `\f` also ends every column and, with Debug, prints `---`.
struct TabWriter {
    private struct Cell {
        var size = 0
        var width = 0
        var htab = false
    }

    private static let minWidth = 0
    private static let padding = 1

    private var buffer: [UInt8] = []
    private var widthCountedTo = 0
    private var cell = Cell()
    private var lines: [[Cell]] = [[]]
    private var widths: [Int] = []
    private var output: [UInt8] = []

    /// `text` laid out, as Write(text) then Flush() would produce it.
    static func format(_ text: String) -> String {
        var writer = TabWriter()
        writer.write(Array(text.utf8))
        writer.flush()
        return String(decoding: writer.output, as: UTF8.self)
    }

    private mutating func write(_ bytes: [UInt8]) {
        var start = 0
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case 0x09, 0x0B, 0x0A, 0x0C:  // \t \v \n \f
                append(bytes[start..<index])
                updateWidth()
                start = index + 1
                let cellCount = terminateCell(htab: byte == 0x09)
                if byte == 0x0A || byte == 0x0C {
                    lines.append([])
                    // A one-cell line cannot affect later alignment, so Go
                    // flushes there; a form feed always flushes.
                    if byte == 0x0C || cellCount == 1 {
                        flush()
                        if byte == 0x0C { output += Array("---\n".utf8) }
                    }
                }
            default:
                break
            }
        }
        append(bytes[start...])
    }

    private mutating func append(_ text: ArraySlice<UInt8>) {
        buffer += text
        cell.size += text.count
    }

    /// Go counts runes; in valid UTF-8 that is the bytes that do not continue a sequence.
    private mutating func updateWidth() {
        cell.width += buffer[widthCountedTo...].count(where: { $0 & 0xC0 != 0x80 })
        widthCountedTo = buffer.count
    }

    private mutating func terminateCell(htab: Bool) -> Int {
        cell.htab = htab
        lines[lines.count - 1].append(cell)
        cell = Cell()
        return lines[lines.count - 1].count
    }

    private mutating func flush() {
        if cell.size > 0 { _ = terminateCell(htab: false) }
        _ = format(from: 0, lines: 0..<lines.count)
        buffer = []
        widthCountedTo = 0
        cell = Cell()
        lines = [[]]
        widths = []
    }

    /// Lays out `range`, finding column blocks left to right: the widths of the
    /// columns to the left are on `widths` while a block to their right is formatted.
    private mutating func format(from position: Int, lines range: Range<Int>) -> Int {
        var position = position
        var line0 = range.lowerBound
        let column = widths.count
        var this = range.lowerBound
        while this < range.upperBound {
            guard column < lines[this].count - 1 else {
                this += 1
                continue
            }
            position = writeLines(from: position, lines: line0..<this)
            line0 = this
            var width = Self.minWidth
            while this < range.upperBound, column < lines[this].count - 1 {
                width = max(width, lines[this][column].width + Self.padding)
                this += 1
            }
            widths.append(width)
            position = format(from: position, lines: line0..<this)
            widths.removeLast()
            line0 = this
        }
        return writeLines(from: position, lines: line0..<range.upperBound)
    }

    private mutating func writeLines(from position: Int, lines range: Range<Int>) -> Int {
        var position = position
        for index in range {
            for (column, entry) in lines[index].enumerated() {
                if column > 0 { output.append(UInt8(ascii: "|")) }  // Debug
                output += buffer[position..<position + entry.size]
                position += entry.size
                if column < widths.count {
                    output += repeatElement(UInt8(ascii: " "), count: max(widths[column] - entry.width, 0))
                }
            }
            if index + 1 == lines.count {
                // The last line has no newline yet: write what is buffered of it.
                output += buffer[position..<position + cell.size]
                position += cell.size
            } else {
                output.append(UInt8(ascii: "\n"))
            }
        }
        return position
    }
}
