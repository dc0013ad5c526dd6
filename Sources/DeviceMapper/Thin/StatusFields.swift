/// The fields of one status line, taken in order, each failure naming the line.
///
/// The kernel separates fields with single spaces and ends some lines with a
/// space (the thin-pool status does), so empty fields are dropped.
struct StatusFields {
    let target: String
    let line: String
    private var fields: ArraySlice<Substring>

    init(target: String, line: String) {
        self.target = target
        self.line = line
        fields = line.split(separator: " ")[...]
    }

    var isEmpty: Bool { fields.isEmpty }

    func malformed(_ reason: String) -> ThinStatusError {
        ThinStatusError(target: target, line: line, kind: .malformed(reason: reason))
    }

    mutating func next(_ name: String) throws(ThinStatusError) -> Substring {
        guard let field = fields.popFirst() else { throw malformed("\(name) is missing") }
        return field
    }

    /// A decimal count as the kernel prints `%llu`: digits only, no sign.
    mutating func number(_ name: String) throws(ThinStatusError) -> UInt64 {
        let field = try next(name)
        return try decimal(field, name)
    }

    /// `USED/TOTAL`.
    mutating func fraction(_ name: String) throws(ThinStatusError) -> (used: UInt64, total: UInt64) {
        let field = try next(name)
        let parts = field.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw malformed("\(name) \(String(field).debugDescription) is not USED/TOTAL") }
        return (try decimal(parts[0], name), try decimal(parts[1], name))
    }

    /// A number, or `-` for none.
    mutating func optionalNumber(_ name: String) throws(ThinStatusError) -> UInt64? {
        let field = try next(name)
        return field == "-" ? nil : try decimal(field, name)
    }

    /// One of the words `choices` maps, refusing any other.
    mutating func word<Value>(_ name: String, _ choices: KeyValuePairs<Substring, Value>) throws(ThinStatusError) -> Value {
        let field = try next(name)
        guard let value = choices.first(where: { $0.key == field })?.value else {
            let expected = choices.map { String($0.key) }.joined(separator: ", ")
            throw malformed("\(name) \(String(field).debugDescription) is not one of \(expected)")
        }
        return value
    }

    private func decimal(_ field: Substring, _ name: String) throws(ThinStatusError) -> UInt64 {
        // UInt64.init(_:) would also take a leading "+"; the kernel never prints one.
        guard field.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = UInt64(field)
        else { throw malformed("\(name) \(String(field).debugDescription) is not a decimal number") }
        return value
    }
}

extension String {
    /// The line without the spaces the kernel leaves around it, to recognise
    /// the one-word lines `Fail` and `Error`.
    var trimmingSpaces: Substring {
        let start = firstIndex(where: { $0 != " " }) ?? endIndex
        let end = lastIndex(where: { $0 != " " }).map(index(after:)) ?? endIndex
        return start < end ? self[start..<end] : ""
    }
}
