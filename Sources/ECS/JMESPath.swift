import Foundation

/// The subset of JMESPath that `--output` uses: identifiers (bare or quoted)
/// joined by dots, `[]` to flatten an array into a projection, and `[N]` to index.
struct JMESPath {
    enum Step: Equatable {
        case field(String)
        case index(Int)
        case flatten
    }

    let steps: [Step]

    init(_ expression: String) throws {
        var steps: [Step] = []
        var characters = Substring(expression)
        func fail(_ reason: String) -> OutputColumns.Error {
            OutputColumns.Error(description: "cannot read the expression \(expression.prefix(60).debugDescription): \(reason)")
        }
        while let next = characters.first {
            switch next {
            case ".":
                characters.removeFirst()
                guard let following = characters.first, following != ".", following != "[" else { throw fail("a '.' must be followed by a name") }
            case "[":
                guard let close = characters.firstIndex(of: "]") else { throw fail("'[' without ']'") }
                let inside = characters[characters.index(after: characters.startIndex)..<close]
                if inside.isEmpty {
                    steps.append(.flatten)
                } else if let index = Int(inside) {
                    steps.append(.index(index))
                } else {
                    throw fail("only [] and [N] are supported")
                }
                characters = characters[characters.index(after: close)...]
            case "\"":
                characters.removeFirst()
                guard let close = characters.firstIndex(of: "\"") else { throw fail("unterminated quoted name") }
                steps.append(.field(String(characters[..<close])))
                characters = characters[characters.index(after: close)...]
            default:
                let name = characters.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                guard !name.isEmpty else { throw fail("unexpected \(String(next).debugDescription)") }
                steps.append(.field(String(name)))
                characters = characters.dropFirst(name.count)
            }
        }
        guard !steps.isEmpty else { throw fail("it is empty") }
        self.steps = steps
    }

    /// Evaluates on a value decoded by JSONSerialization; nil where JMESPath gives null.
    func search(_ document: Any) -> Any? {
        Self.evaluate(steps[...], on: document)
    }

    private static func evaluate(_ steps: ArraySlice<Step>, on value: Any?) -> Any? {
        guard let step = steps.first else { return value }
        let rest = steps.dropFirst()
        switch step {
        case .field(let name):
            return evaluate(rest, on: (value as? [String: Any])?[name])
        case .index(let index):
            guard let array = value as? [Any] else { return nil }
            let position = index < 0 ? array.count + index : index
            return array.indices.contains(position) ? evaluate(rest, on: array[position]) : nil
        case .flatten:
            guard let array = value as? [Any] else { return nil }
            let flattened = array.flatMap { ($0 as? [Any]) ?? [$0] }
            // A projection: the rest applies to each element; nulls are dropped.
            return flattened.compactMap { evaluate(rest, on: $0) }
        }
    }
}
