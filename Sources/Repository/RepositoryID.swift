/// A repository's identity: `r-` and 20 characters of `[a-z0-9]` from the
/// system's CSPRNG, the shape of dmsnap's other IDs. A host that attaches a
/// repository recognises it by this ID, whatever path it is mounted at.
public enum RepositoryID {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")

    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return "r-" + String((0..<20).map { _ in alphabet.randomElement(using: &generator)! })
    }

    public static func isValid(_ id: String) -> Bool {
        id.hasPrefix("r-") && id.count == 22 && id.dropFirst(2).allSatisfy { alphabet.contains($0) }
    }
}
