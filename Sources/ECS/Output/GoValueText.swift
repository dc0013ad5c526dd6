/// A value as Go's `fmt.Sprintf("%v", v)` prints what go-jmespath returns from
/// a body decoded with `UseNumber`, which is how the aliyun CLI fills a table
/// cell (openapi/output_filter.go, FormatTable).
enum GoValueText {
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: "<nil>"
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        // A json.Number prints as its literal, and the literal is what dmsnap's
        // renderer wrote, so a cell shows a number exactly as the JSON body does.
        case .int(let number): String(number)
        case .double(let number): GoJSONText.number(number) ?? "<nil>"
        case .array(let elements): "[" + elements.map(text).joined(separator: " ") + "]"
        case .object:
            // fmt prints maps with their keys sorted.
            "map["
                + value.uniqueMembers
                .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                .map { $0.key + ":" + text($0.value) }
                .joined(separator: " ")
                + "]"
        }
    }
}
