extension SnapshotService {
    enum ResourceKind: String { case disk = "d", snapshot = "s", group = "ssg" }

    /// A fresh ECS-style ID: the prefix and 20 characters of [a-z0-9], from the
    /// system's CSPRNG (getrandom); `Int.random(in:using:)` has no modulo bias.
    static func makeResourceID(_ kind: ResourceKind) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return kind.rawValue + "-" + String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    func newResourceID(_ kind: ResourceKind) -> String { Self.makeResourceID(kind) }
}
