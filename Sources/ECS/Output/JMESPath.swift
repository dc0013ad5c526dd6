import Snapshots

/// The part of JMESPath that `--output` needs, with go-jmespath's semantics:
/// names (`Snapshots`, or quoted `"Snapshot Id"`) joined by dots, `[N]` to
/// index an array (negative from the end), and `[]` to flatten an array and
/// project the rest of the expression over its elements, dropping nulls.
///
/// Anything else JMESPath has (`*`, filters, slices, pipes, functions,
/// multiselect) is refused with a syntax error naming it, rather than
/// evaluated differently from the aliyun CLI.
public struct JMESPath: Sendable, Equatable, CustomStringConvertible {
    public enum Step: Sendable, Equatable {
        case field(String)
        case index(Int)
        case flatten
    }

    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    public let steps: [Step]
    /// The expression as written.
    public let description: String

    public init(_ expression: String) throws(SyntaxError) {
        var parser = JMESPathParser(expression: expression)
        steps = try parser.parse()
        description = expression
    }

    /// True when the expression starts with a name, as `rows=` must: the aliyun
    /// CLI evaluates `RootFilter[0].` + rows, where a leading `[` is not an index.
    public var startsWithName: Bool {
        if case .field = steps.first { true } else { false }
    }

    /// The value the expression selects in `document`; `.null` where JMESPath gives null.
    public func search(_ document: JSONValue) -> JSONValue {
        // A flatten ends the projection before it (go-jmespath parses `a[].b[]`
        // as flatten(project(flatten(a), b))), so the steps split into a plain
        // head and projected segments, each opened by a flatten.
        var segments = steps.split(separator: .flatten, omittingEmptySubsequences: false)
        var value = Self.apply(segments.removeFirst(), to: document)
        for segment in segments {
            guard case .array(let elements) = value else { return .null }
            let flattened = elements.flatMap { element -> [JSONValue] in
                if case .array(let inner) = element { inner } else { [element] }
            }
            value = .array(flattened.map { Self.apply(segment, to: $0) }.filter { $0 != .null })
        }
        return value
    }

    private static func apply(_ steps: ArraySlice<Step>, to value: JSONValue) -> JSONValue {
        var value = value
        for step in steps {
            switch step {
            case .field(let name):
                value = value[name] ?? .null
            case .index(let index):
                guard case .array(let elements) = value else { return .null }
                let position = index < 0 ? elements.count + index : index
                value = elements.indices.contains(position) ? elements[position] : .null
            case .flatten:
                preconditionFailure("flatten steps are split out by search(_:)")
            }
        }
        return value
    }
}

/// Tokenizes and parses in one pass; whitespace between tokens is allowed, as in JMESPath.
struct JMESPathParser {
    let expression: String
    let bytes: [UInt8]
    var offset = 0

    init(expression: String) {
        self.expression = expression
        self.bytes = Array(expression.utf8)
    }

    func fail(_ reason: String) -> JMESPath.SyntaxError {
        JMESPath.SyntaxError(description: "cannot read \(UntrustedText.quoted(expression)): \(reason)")
    }

    private var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { offset += 1 }
    }

    mutating func parse() throws(JMESPath.SyntaxError) -> [JMESPath.Step] {
        var steps: [JMESPath.Step] = []
        skipWhitespace()
        guard current != nil else { throw fail("it is empty") }
        while true {
            skipWhitespace()
            guard let byte = current else { return steps }
            switch byte {
            case UInt8(ascii: "["):
                steps.append(try bracket())
            case UInt8(ascii: "."):
                guard !steps.isEmpty else { throw fail("it starts with '.'") }
                offset += 1
                skipWhitespace()
                guard let next = current, Self.startsName(next) else {
                    throw fail(current == nil ? "it ends with '.'" : "a '.' must be followed by a name, not \(describe(current!))")
                }
                steps.append(.field(try name()))
            case _ where Self.startsName(byte):
                guard steps.isEmpty else { throw fail("expected '.' or '[' before \(describe(byte))") }
                steps.append(.field(try name()))
            default:
                throw fail("\(describe(byte)) is not supported; use names, '.', [N] and []")
            }
        }
    }

    static func startsName(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    private mutating func name() throws(JMESPath.SyntaxError) -> String {
        if current == UInt8(ascii: "\"") {
            var reader = JSONReader(bytes: bytes, offset: offset)
            do throws(JSONValue.ParseError) {
                let text = try reader.string()
                offset = reader.offset
                return text
            } catch {
                throw fail("quoted name at byte \(error.offset): \(error.reason)")
            }
        }
        let start = offset
        while let byte = current, Self.startsName(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { offset += 1 }
        return String(decoding: bytes[start..<offset], as: UTF8.self)
    }

    /// `[]` (written without a space, as JMESPath lexes it) or `[N]`.
    private mutating func bracket() throws(JMESPath.SyntaxError) -> JMESPath.Step {
        offset += 1
        if current == UInt8(ascii: "]") {
            offset += 1
            return .flatten
        }
        skipWhitespace()
        let start = offset
        if current == UInt8(ascii: "-") { offset += 1 }
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { offset += 1 }
        let literal = String(decoding: bytes[start..<offset], as: UTF8.self)
        skipWhitespace()
        guard let index = Int(literal), current == UInt8(ascii: "]") else {
            if let byte = current, byte == UInt8(ascii: "*") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: ":") {
                throw fail("\(describe(byte)) inside [ ] is not supported; use [N] or []")
            }
            throw fail("expected [N] or []")
        }
        offset += 1
        return .index(index)
    }

    private func describe(_ byte: UInt8) -> String {
        byte < 0x80 ? UntrustedText.quoted(String(UnicodeScalar(byte))) : "a non-ASCII character"
    }
}
