extension JSONValue {
    /// How a document is written out.
    public enum Style: Sendable {
        /// As `aliyun ecs …` prints a response: object keys sorted bytewise (Go
        /// decodes the body into maps, and encoding/json sorts map keys), one
        /// member per line indented with one tab per level, `": "` after keys,
        /// empty objects and arrays as `{}` and `[]`, no trailing newline (the
        /// CLI's Println adds it). Learned from aliyun-cli openapi/commando.go
        /// (`sortJSON`: `json.NewEncoder`, `SetEscapeHTML(false)`, `SetIndent("", "\t")`).
        case aliyun
        /// One line, members in the order given: the ECS API's wire form.
        case compact
    }

    /// The document as text. Strings and numbers are spelled as Go writes them
    /// (see `GoJSONText`); a NaN or infinite double, which JSON cannot carry,
    /// is written as null.
    public func rendered(_ style: Style = .aliyun) -> String {
        var output = ""
        write(into: &output, style: style, depth: 0)
        return output
    }

    private func write(into output: inout String, style: Style, depth: Int) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .double(let value): output += GoJSONText.number(value) ?? "null"
        case .string(let value): output += GoJSONText.quoted(value)
        case .array(let elements):
            writeContainer(elements, open: "[", close: "]", into: &output, style: style, depth: depth) { element, output in
                element.write(into: &output, style: style, depth: depth + 1)
            }
        case .object:
            var members = uniqueMembers
            if style == .aliyun {
                members.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            }
            writeContainer(members, open: "{", close: "}", into: &output, style: style, depth: depth) { member, output in
                output += GoJSONText.quoted(member.key) + (style == .aliyun ? ": " : ":")
                member.value.write(into: &output, style: style, depth: depth + 1)
            }
        }
    }

    private func writeContainer<Element>(
        _ elements: [Element], open: String, close: String, into output: inout String, style: Style, depth: Int,
        writeElement: (Element, inout String) -> Void
    ) {
        output += open
        guard !elements.isEmpty else {
            output += close
            return
        }
        let indented = style == .aliyun
        for (index, element) in elements.enumerated() {
            if index > 0 { output += "," }
            if indented { output += "\n" + String(repeating: "\t", count: depth + 1) }
            writeElement(element, &output)
        }
        if indented { output += "\n" + String(repeating: "\t", count: depth) }
        output += close
    }
}
