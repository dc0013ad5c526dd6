import Snapshots

extension ECSError {
    /// The ECS error a client sees for any failure inside dmsnap: one place
    /// decides the code, so every front end (the CLI today, an RPC endpoint
    /// later) answers the same failure with the same code.
    public init(_ error: any Error, requestId: RequestID) {
        switch error {
        case let error as ECSError:
            self = error
            self.requestId = requestId
        case let error as SnapshotsError:
            self.init(Code(rawValue: error.code.rawValue), error.message, requestId: requestId)
        case let error as ResourceIDError:
            self.init(error.expected.map(Code.notFound) ?? .invalidParameter, error.description, requestId: requestId)
        case let error as OutputColumns.Error:
            self.init(.invalidParameter, error.description, requestId: requestId)
        case let error as JMESPath.SyntaxError:
            self.init(.invalidParameter, error.description, requestId: requestId)
        default:
            self.init(.internalError, String(describing: error), requestId: requestId)
        }
    }
}
