/// A refusal or failure of a dmsnap operation, with the ECS error code a
/// client of the ECS API would see for it.
public struct SnapshotsError: Error, Equatable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let invalidDiskIdNotFound = Code(rawValue: "InvalidDiskId.NotFound")
        public static let invalidSnapshotIdNotFound = Code(rawValue: "InvalidSnapshotId.NotFound")
        public static let invalidSnapshotGroupNotFound = Code(rawValue: "InvalidSnapshotGroupId.NotFound")
        public static let invalidPoolNotFound = Code(rawValue: "InvalidPoolName.NotFound")
        public static let incorrectDiskStatus = Code(rawValue: "IncorrectDiskStatus")
        public static let incorrectSnapshotStatus = Code(rawValue: "IncorrectSnapshotStatus")
        public static let invalidParameter = Code(rawValue: "InvalidParameter")
        /// ECS's code for a caller without the right to act: here, not root.
        public static let forbidden = Code(rawValue: "Forbidden")
        public static let missingParameter = Code(rawValue: "MissingParameter")
        public static let invalidName = Code(rawValue: "InvalidName.Malformed")
        public static let invalidDescription = Code(rawValue: "InvalidDescription.Malformed")
        public static let poolInUse = Code(rawValue: "IncorrectPoolStatus")
        public static let deviceInUse = Code(rawValue: "InvalidDevice.InUse")
        public static let insufficientSpace = Code(rawValue: "InsufficientBalance.Space")
        public static let alreadyExists = Code(rawValue: "InvalidName.Duplicate")
        public static let kernel = Code(rawValue: "InternalError.Kernel")
        public static let internalError = Code(rawValue: "InternalError")
        public static let lvm = Code(rawValue: "InternalError.LVM")
        public static let unsupportedDisk = Code(rawValue: "OperationDenied.UnsupportedDisk")
        public static let recoveryNeeded = Code(rawValue: "OperationConflict")
        public static let catalogDamaged = Code(rawValue: "InternalError.CatalogDamaged")
        public static let catalogUnavailable = Code(rawValue: "InternalError.Catalog")
        public static let catalogMissing = Code(rawValue: "InternalError.CatalogMissing")
        public static let invalidRepositoryNotFound = Code(rawValue: "InvalidRepository.NotFound")
        public static let repositoryUnavailable = Code(rawValue: "InvalidRepository.Unavailable")
        public static let copyFailed = Code(rawValue: "InternalError.CopyFailed")
        /// A send stream that is truncated, altered or not one (`snapshot receive`).
        public static let invalidStream = Code(rawValue: "InvalidStream.Malformed")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
