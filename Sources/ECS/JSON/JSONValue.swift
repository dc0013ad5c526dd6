/// A JSON document as dmsnap builds its responses: objects keep their members
/// in the order given (the ECS API's wire order), numbers keep whether they are
/// integers. Rendering decides the final order (see `JSONValue.Style`).
///
///     let snapshot: JSONValue = ["SnapshotId": .string(id.rawValue), "Progress": "100%", "RemainTime": 0]
///
/// Keys should be unique within an object; where one repeats, the last value
/// wins, as it does when Go (and so the aliyun CLI) decodes the object.
public enum JSONValue: Sendable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null

    /// An object without the members whose value is nil: ECS leaves absent
    /// optional fields out rather than sending null.
    public static func object(omittingNil members: [(key: String, value: JSONValue?)]) -> JSONValue {
        .object(members.compactMap { member in member.value.map { (member.key, $0) } })
    }

    /// The value of `key` in an object (the last, if it repeats); nil otherwise.
    /// Keys match byte for byte, as in Go: Swift's `==` would also match a
    /// differently normalized spelling (`e\u{301}` for `é`).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key.utf8.elementsEqual(key.utf8) }?.value
    }

    /// The element at `index` of an array; nil when out of range or not an array.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// An object's members with repeated keys merged: each key once, at its
    /// first position, with its last value.
    var uniqueMembers: [(key: String, value: JSONValue)] {
        guard case .object(let members) = self else { return [] }
        var lastValue: [[UInt8]: JSONValue] = [:]
        for member in members { lastValue[Array(member.key.utf8)] = member.value }
        var seen = Set<[UInt8]>()
        return members.compactMap { member in
            let bytes = Array(member.key.utf8)
            return seen.insert(bytes).inserted ? (member.key, lastValue[bytes]!) : nil
        }
    }
}

extension JSONValue: Equatable {
    /// Objects compare member by member, in order.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key.utf8.elementsEqual($1.key.utf8) && $0.value == $1.value }
        case let (.array(a), .array(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.int(a), .int(b)): a == b
        case let (.double(a), .double(b)): a == b
        case let (.bool(a), .bool(b)): a == b
        case (.null, .null): true
        default: false
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A dictionary literal keeps its order: it becomes the object's member order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements.map { (key: $0.0, value: $0.1) }) }
    public init(nilLiteral: ()) { self = .null }
}
