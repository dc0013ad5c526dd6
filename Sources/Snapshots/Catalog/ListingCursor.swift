import Foundation
import GRDB

/// A place in a newest-first listing (ECS's order for snapshots and groups):
/// just after the item with this creation time and ID. IDs break ties between
/// items made in the same millisecond, so the order is total and a listing
/// resumed from a cursor neither repeats nor skips an item, whatever was
/// deleted or added meanwhile (a page offset skips one item per deletion
/// before it).
public struct ListingCursor: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The item's creation time in milliseconds since 1970, the catalog's precision (`CatalogDate`).
    public let createdAtMilliseconds: Int64
    public let id: ResourceID

    public init(createdAtMilliseconds: Int64, id: ResourceID) {
        self.createdAtMilliseconds = createdAtMilliseconds
        self.id = id
    }

    /// The place of an item created at `createdAt` (rounded to the catalog's millisecond).
    public init(createdAt: Date, id: ResourceID) {
        self.init(createdAtMilliseconds: Int64((createdAt.timeIntervalSince1970 * 1000).rounded()), id: id)
    }

    /// The place just after `snapshot`. Nil only for an ID that is not of ECS form, which no record has.
    public init?(after snapshot: SnapshotRecord) {
        guard let id = try? ResourceID(parsing: snapshot.id, as: .snapshot) else { return nil }
        self.init(createdAt: snapshot.createdAt, id: id)
    }

    /// Listing order: `a < b` when `a` is listed first (newer, or as new and a smaller ID).
    public static func < (a: ListingCursor, b: ListingCursor) -> Bool {
        a.createdAtMilliseconds != b.createdAtMilliseconds ? a.createdAtMilliseconds > b.createdAtMilliseconds : a.id.rawValue < b.id.rawValue
    }

    public var description: String { "\(createdAtMilliseconds)/\(id)" }

    /// The rows listed after this place, for a request ordered by `ordering`.
    var rowsAfter: SQLExpression {
        // As the catalog stores it: CatalogDate text, whose order is the time's.
        let createdAt = CatalogDate.text(Date(timeIntervalSince1970: Double(createdAtMilliseconds) / 1000))
        return Column("createdAt") < createdAt || (Column("createdAt") == createdAt && Column("id") > id.rawValue)
    }

    /// The listing order the cursor's comparison and `rowsAfter` assume: newest first, then by ID.
    static let ordering: [SQLOrdering] = [Column("createdAt").desc, Column("id").asc]
}
