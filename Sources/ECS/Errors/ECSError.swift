import Snapshots

/// A failure as the ECS API reports one: `{"RequestId","Code","Message"}`.
public struct ECSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An ECS error code. The named ones are those dmsnap returns; any other
    /// code (from a lower layer) travels in `init(rawValue:)`.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let invalidDiskIdNotFound = Code(rawValue: "InvalidDiskId.NotFound")
        public static let invalidSnapshotIdNotFound = Code(rawValue: "InvalidSnapshotId.NotFound")
        public static let invalidSnapshotGroupIdNotFound = Code(rawValue: "InvalidSnapshotGroupId.NotFound")
        public static let invalidInstanceIdNotFound = Code(rawValue: "InvalidInstanceId.NotFound")
        public static let incorrectDiskStatus = Code(rawValue: "IncorrectDiskStatus")
        public static let incorrectSnapshotStatus = Code(rawValue: "IncorrectSnapshotStatus")
        public static let invalidParameter = Code(rawValue: "InvalidParameter")
        public static let missingParameter = Code(rawValue: "MissingParameter")
        public static let quotaExceedSnapshot = Code(rawValue: "QuotaExceed.Snapshot")
        public static let invalidDiskNameMalformed = Code(rawValue: "InvalidDiskName.Malformed")
        public static let invalidSnapshotNameMalformed = Code(rawValue: "InvalidSnapshotName.Malformed")
        public static let invalidDescriptionMalformed = Code(rawValue: "InvalidDescription.Malformed")
        public static let operationConflict = Code(rawValue: "OperationConflict")
        public static let internalError = Code(rawValue: "InternalError")

        /// The "not found" code ECS uses for an ID of `kind`, malformed IDs included
        /// (ECS answers `InvalidDiskId.NotFound` for a disk ID that cannot exist).
        public static func notFound(_ kind: ResourceID.Kind) -> Code {
            switch kind {
            case .instance: .invalidInstanceIdNotFound
            case .disk: .invalidDiskIdNotFound
            case .snapshot: .invalidSnapshotIdNotFound
            case .snapshotGroup: .invalidSnapshotGroupIdNotFound
            }
        }
    }

    public var requestId: RequestID
    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String, requestId: RequestID = RequestID()) {
        self.code = code
        self.message = message
        self.requestId = requestId
    }

    /// The error body, members in the API's order: RequestId, Code, Message.
    public var json: JSONValue {
        ["RequestId": .string(requestId.rawValue), "Code": .string(code.rawValue), "Message": .string(message)]
    }

    /// The error body on one line, in that order, e.g.
    /// `{"RequestId":"6A3C…","Code":"InvalidDiskId.NotFound","Message":"…"}`.
    public var jsonText: String { json.rendered(.compact) }

    public var description: String { "\(code): \(message)" }
}

extension ECSError: Encodable {
    private enum Key: String, CodingKey { case RequestId, Code, Message }

    /// Encodes the three members in the API's order (an encoder set to sort keys
    /// will still sort them: Code, Message, RequestId).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(requestId, forKey: .RequestId)
        try container.encode(code.rawValue, forKey: .Code)
        try container.encode(message, forKey: .Message)
    }
}
