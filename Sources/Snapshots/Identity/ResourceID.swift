/// An ECS-style resource ID: a prefix naming the kind (`i-`, `d-`, `s-`,
/// `ssg-`) and 20 characters of `[a-z0-9]`, e.g. `s-bp1afnc98r8kjh4x7q2m`.
///
/// A value of this type is always well formed: the only ways to get one are
/// `generate(_:)`, `instance(machineID:)` and the throwing parsers.
public struct ResourceID: Hashable, Sendable, CustomStringConvertible {
    /// What an ID names, and so its prefix.
    public enum Kind: String, CaseIterable, Sendable {
        case instance = "i"
        case disk = "d"
        case snapshot = "s"
        case snapshotGroup = "ssg"

        /// The prefix with its dash: `s-`.
        public var prefix: String { rawValue + "-" }

        /// The kind in a sentence: "snapshot group".
        public var noun: String {
            switch self {
            case .instance: "instance"
            case .disk: "disk"
            case .snapshot: "snapshot"
            case .snapshotGroup: "snapshot group"
            }
        }

        /// The kind whose prefix `text` starts with. `ssg-` is tried before
        /// `s-` only for clarity: neither is a prefix of the other.
        static func detect(in text: String) -> Kind? {
            [.snapshotGroup, .instance, .disk, .snapshot].first { text.hasPrefix($0.prefix) }
        }
    }

    /// Characters after the prefix.
    public static let bodyLength = 20
    /// The characters an ID body is drawn from, in the order random digits map to them.
    static let alphabet: [UInt8] = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)

    public let kind: Kind
    /// The whole ID, prefix included.
    public let rawValue: String

    /// The 20 characters after the prefix.
    public var body: Substring { rawValue.dropFirst(kind.prefix.count) }

    public var description: String { rawValue }

    /// For callers that have already checked `body`.
    init(kind: Kind, body: String) {
        self.kind = kind
        self.rawValue = kind.prefix + body
    }

    /// Parses an ID that must be of `kind`, e.g. `--SnapshotId`.
    public init(parsing text: String, as kind: Kind) throws(ResourceIDError) {
        try self.init(checking: text, expected: kind)
    }

    /// Parses an ID of any kind, taking the kind from its prefix.
    public init(parsing text: String) throws(ResourceIDError) {
        try self.init(checking: text, expected: nil)
    }

    private init(checking text: String, expected: Kind?) throws(ResourceIDError) {
        func fail(_ problem: ResourceIDError.Problem) -> ResourceIDError {
            ResourceIDError(expected: expected, problem: problem, input: text)
        }
        guard !text.isEmpty else { throw fail(.empty) }
        let found = Kind.detect(in: text)
        guard let kind = expected ?? found, found == kind else { throw fail(.wrongPrefix(found: found)) }

        // Only the first bodyLength + 1 scalars are examined for characters, so a
        // huge argument costs one count, not a scan with allocations.
        let body = text.unicodeScalars.dropFirst(kind.prefix.count)
        for (offset, scalar) in body.prefix(Self.bodyLength + 1).enumerated() where !Self.isBodyScalar(scalar) {
            throw fail(.badCharacter(scalar, position: kind.prefix.count + offset + 1))
        }
        let length = body.count
        guard length == Self.bodyLength else { throw fail(.wrongLength(length)) }
        self.init(kind: kind, body: String(body))
    }

    static func isBodyScalar(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
    }
}

extension ResourceID: Codable {
    /// Encoded as the plain string, the way ECS responses carry IDs.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }
}
