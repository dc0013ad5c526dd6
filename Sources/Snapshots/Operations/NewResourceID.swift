extension SnapshotService {
    /// A fresh ECS-style ID (see `ResourceID.generate`), as the catalog stores it.
    func newResourceID(_ kind: ResourceID.Kind) -> String { ResourceID.generate(kind).rawValue }
}
