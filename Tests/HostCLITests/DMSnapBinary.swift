import Foundation

enum DMSnapBinary {
    /// The `dmsnap` that `swift build --build-tests` put beside the test bundle.
    static var path: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dmsnap").path
    }

    /// A fresh directory under /tmp for one test, removed by the caller.
    static func scratchDirectory(_ label: String) throws -> String {
        let path = "/tmp/dmsnap-\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        guard mkdir(path, 0o755) == 0 else { throw POSIXFailure("mkdir \(path)") }
        return path
    }
}
