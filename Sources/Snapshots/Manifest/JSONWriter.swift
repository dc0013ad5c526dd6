import Foundation

/// JSON written straight into UTF-8 bytes, member by member.
///
/// For the documents dmsnap writes often and large: a pool's manifest lists
/// every snapshot of the pool, and Foundation's `JSONEncoder` first builds a
/// tree of every value in it. At ten thousand snapshots that tree was 24 MiB
/// of each command's peak memory, and its time grew with every snapshot.
/// What this writes, `JSONDecoder` reads back; strings are escaped as Go's
/// encoding/json escapes them, which the ECS output shares.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Whether the container being written has a member or element yet.
    private var started: [Bool] = []

    public init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// `text` as a JSON string literal: `"` and `\` escaped, \b \f \n \r \t by
    /// name, other controls as \u00XX, and U+2028/U+2029 as \u2028/\u2029 (as
    /// Go does, since JavaScript reads those two as line ends). `<`, `>`, `&`,
    /// `/` and DEL pass through.
    public static func quoted(_ text: String) -> String {
        var writer = JSONWriter()
        writer.string(text)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Hands over what is written so far and keeps writing after it: for a
    /// document written out a piece at a time.
    public mutating func takeBytes() -> [UInt8] {
        let taken = bytes
        bytes.removeAll(keepingCapacity: true)
        return taken
    }

    // MARK: Containers

    public mutating func object(_ members: (inout JSONWriter) throws -> Void) rethrows {
        try container(open: "{", close: "}", members)
    }

    public mutating func array<Elements: Sequence>(_ elements: Elements, _ write: (inout JSONWriter, Elements.Element) -> Void) {
        container(open: "[", close: "]") { json in
            for element in elements { json.element { write(&$0, element) } }
        }
    }

    /// An array whose elements `elements` writes, each through `element`:
    /// for elements that come from a source that can fail, one at a time.
    public mutating func array(elements: (inout JSONWriter) throws -> Void) rethrows {
        try container(open: "[", close: "]", elements)
    }

    /// One element of the array being written.
    public mutating func element(_ write: (inout JSONWriter) throws -> Void) rethrows {
        separate()
        try write(&self)
    }

    // MARK: Members of an object

    public mutating func member(_ key: String, _ value: String) {
        self.key(key)
        string(value)
    }

    public mutating func member<Integer: FixedWidthInteger>(_ key: String, _ value: Integer) {
        self.key(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func member(_ key: String, _ value: Bool) {
        self.key(key)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// As `JSONEncoder` writes a date by default: seconds since 2001-01-01 UTC.
    /// Swift's spelling of a double is the shortest that reads back to it.
    public mutating func member(_ key: String, _ value: Date) {
        self.key(key)
        bytes.append(contentsOf: value.timeIntervalSinceReferenceDate.description.utf8)
    }

    /// Optional members are left out when nil, as a synthesized `Encodable` does.
    public mutating func member(_ key: String, _ value: String?) {
        if let value { member(key, value) }
    }

    public mutating func member<Integer: FixedWidthInteger>(_ key: String, _ value: Integer?) {
        if let value { member(key, value) }
    }

    public mutating func member(_ key: String, _ value: Date?) {
        if let value { member(key, value) }
    }

    public mutating func member(_ key: String, object members: (inout JSONWriter) throws -> Void) rethrows {
        self.key(key)
        try object(members)
    }

    public mutating func member(_ key: String, elements: (inout JSONWriter) throws -> Void) rethrows {
        self.key(key)
        try array(elements: elements)
    }

    public mutating func member<Elements: Sequence>(
        _ key: String, array elements: Elements, _ write: (inout JSONWriter, Elements.Element) -> Void
    ) {
        self.key(key)
        array(elements, write)
    }

    // MARK: Values

    public mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        if !text.utf8.contains(where: Self.mayNeedEscape) {
            bytes.append(contentsOf: text.utf8)
        } else {
            for scalar in text.unicodeScalars { escaped(scalar) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    // MARK: Private

    /// Controls, `"`, `\`, and the lead byte of U+2028 and U+2029.
    private static func mayNeedEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == 0xE2
    }

    private mutating func escaped(_ scalar: Unicode.Scalar) {
        switch scalar {
        case "\"": bytes.append(contentsOf: #"\""#.utf8)
        case "\\": bytes.append(contentsOf: #"\\"#.utf8)
        case "\u{08}": bytes.append(contentsOf: #"\b"#.utf8)
        case "\u{0C}": bytes.append(contentsOf: #"\f"#.utf8)
        case "\n": bytes.append(contentsOf: #"\n"#.utf8)
        case "\r": bytes.append(contentsOf: #"\r"#.utf8)
        case "\t": bytes.append(contentsOf: #"\t"#.utf8)
        case "\u{2028}": bytes.append(contentsOf: #"\u2028"#.utf8)
        case "\u{2029}": bytes.append(contentsOf: #"\u2029"#.utf8)
        case _ where scalar.value < 0x20:
            bytes.append(contentsOf: #"\u00"#.utf8)
            bytes.append(contentsOf: ((scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)).utf8)
        default:
            UTF8.encode(scalar) { bytes.append($0) }
        }
    }

    private mutating func key(_ name: String) {
        separate()
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    /// A comma before every member or element but a container's first.
    private mutating func separate() {
        guard let last = started.indices.last else { return }
        if started[last] { bytes.append(UInt8(ascii: ",")) }
        started[last] = true
    }

    private mutating func container(open: Unicode.Scalar, close: Unicode.Scalar, _ body: (inout JSONWriter) throws -> Void) rethrows {
        bytes.append(UInt8(ascii: open))
        started.append(false)
        defer { started.removeLast() }
        try body(&self)
        bytes.append(UInt8(ascii: close))
    }
}
