import Foundation

/// `dmsnap-repository.json`: what makes a directory a repository. Written once,
/// at creation, as the last step (so a directory that has it is complete).
struct RepositoryConfiguration: Codable, Equatable {
    static let fileName = "dmsnap-repository.json"
    static let formatVersion = 1
    static let compression = "zstd"

    var formatVersion: Int
    var repositoryId: String
    var chunkSize: Int
    var compression: String
    var created: Date

    /// Powers of two from 64 KiB to 64 MiB: a multiple of every device's block
    /// size (O_DIRECT reads), and small enough that a chunk buffer stays bounded.
    static let chunkSizes = (16...26).map { 1 << $0 }

    static func read(directory: String) throws -> RepositoryConfiguration {
        let path = "\(directory)/\(fileName)"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RepositoryError(.notARepository, path: directory,
                                  message: "not a dmsnap repository: it has no readable \(fileName)")
        }
        struct Version: Decodable { var formatVersion: Int }
        guard let version = try? JSONDecoder().decode(Version.self, from: data) else {
            throw RepositoryError(.notARepository, path: path, message: "not a dmsnap repository description: not JSON with a formatVersion")
        }
        guard version.formatVersion == formatVersion else {
            throw RepositoryError(.unknownFormat(version: version.formatVersion), path: path,
                                  message: "repository format \(version.formatVersion) is not one this dmsnap reads (it reads \(formatVersion)); use a newer dmsnap")
        }
        guard let configuration = try? ManifestLayout.decoder().decode(RepositoryConfiguration.self, from: data),
              RepositoryID.isValid(configuration.repositoryId), chunkSizes.contains(configuration.chunkSize),
              configuration.compression == compression
        else {
            throw RepositoryError(.notARepository, path: path,
                                  message: "damaged repository description: a field is missing or out of range (repositoryId r-…, chunkSize a power of two from 64 KiB to 64 MiB, compression zstd)")
        }
        return configuration
    }

    func encoded() throws -> [UInt8] {
        let encoder = ManifestLayout.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        return Array(try encoder.encode(self)) + [0x0A]
    }
}
