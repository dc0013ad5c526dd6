import Foundation

/// The ID of one invocation, as ECS gives every response: an uppercase UUID,
/// e.g. `473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E`.
public struct RequestID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// A fresh random (version 4) request ID.
    public init() {
        rawValue = UUID().uuidString.uppercased()
    }

    /// A request ID given back by a client; nil unless it is an uppercase UUID.
    public init?(_ text: String) {
        guard text.utf8.count == 36, let uuid = UUID(uuidString: text), uuid.uuidString.uppercased() == text else { return nil }
        rawValue = text
    }

    public var description: String { rawValue }
}

extension RequestID: Codable {
    /// Encoded as the plain string, as `"RequestId"` is in every ECS response.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = RequestID(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(UntrustedText.quoted(text)) is not an uppercase UUID")
        }
        self = id
    }
}
