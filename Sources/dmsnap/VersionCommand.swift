import ArgumentParser
import DeviceMapper
import Foundation

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the versions of dmsnap, libdevmapper and the kernel's device-mapper driver.",
        discussion: """
            Fails with a clear error when the running kernel has no device-mapper driver.

            Example:
              dmsnap version --json
            """
    )

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let deviceMapper = DeviceMapper(udev: nil)
        let driver = Result { () throws(DeviceMapperError) in try deviceMapper.driverVersion() }
        let versions: KeyValuePairs<String, String?> = [
            "dmsnap": DMSnap.version,
            "libdevmapper": deviceMapper.libraryVersion,
            "driver": try? driver.get(),
        ]
        if json {
            var object: [String: String] = [:]
            for (key, value) in versions { object[key] = value }
            print(try JSONOutput.encode(object))
        } else {
            print("dmsnap \(DMSnap.version)")
            print("libdevmapper \(deviceMapper.libraryVersion)")
            if let version = try? driver.get() { print("device-mapper driver \(version)") }
        }
        if case .failure(let error) = driver { throw CommandFailure(error) }
    }
}
