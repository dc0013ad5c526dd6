/// A message to a thin pool, sent to sector 0 of the pool device
/// (`dmsetup message POOL 0 "…"`).
///
/// Ids are `ThinDeviceID`s, so a message with an id out of range cannot be made.
/// The kernel applies every message to the pool's current transaction; only
/// `setTransactionID` names the transaction, which is why dmsnap sends it last,
/// as the commit point of an operation.
public enum ThinPoolMessage: Sendable, Equatable, CustomStringConvertible {
    /// Provision a new, empty thin device.
    case createThin(ThinDeviceID)
    /// Snapshot `origin` as the new device `id`. The origin must be suspended
    /// (or inactive) first, or writes in flight may miss the snapshot.
    case createSnapshot(ThinDeviceID, origin: ThinDeviceID)
    /// Delete a thin device and release its blocks; it must not be active.
    case delete(ThinDeviceID)
    /// Move the pool's transaction id from `old` to `new`; the kernel refuses
    /// it when the current id is not `old`, which is how a stale writer is caught.
    case setTransactionID(old: UInt64, new: UInt64)
    /// Take a read-only snapshot of the metadata for tools like `thin_dump -m`.
    case reserveMetadataSnapshot
    case releaseMetadataSnapshot

    /// The message as the kernel parses it.
    public var text: String {
        switch self {
        case .createThin(let id): "create_thin \(id)"
        case .createSnapshot(let id, let origin): "create_snap \(id) \(origin)"
        case .delete(let id): "delete \(id)"
        case .setTransactionID(let old, let new): "set_transaction_id \(old) \(new)"
        case .reserveMetadataSnapshot: "reserve_metadata_snap"
        case .releaseMetadataSnapshot: "release_metadata_snap"
        }
    }

    public var description: String { text }
}
