import Foundation

enum DMSnapBinary {
    /// The `dmsnap` that `swift build --build-tests` put beside the test bundle.
    static var path: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dmsnap").path
    }

    /// Runs dmsnap with `arguments` (LVM left out: this host has no volume
    /// groups), or `program` (e.g. setpriv) with them.
    static func run(_ arguments: [String], environment: [String: String] = [:], via program: String? = nil) throws -> Invocation.Result {
        var invocation = Invocation(program ?? path, arguments)
        invocation.environment["DMSNAP_LVM_VOLUME_GROUPS"] = ""
        invocation.environment.merge(environment) { $1 }
        return try invocation.run()
    }

    /// A fresh directory under /tmp for one test, removed by the caller.
    static func scratchDirectory(_ label: String, mode: mode_t = 0o755) throws -> String {
        let path = "/tmp/dmsnap-\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        guard mkdir(path, mode) == 0 else { throw POSIXFailure("mkdir \(path)") }
        chmod(path, mode)
        return path
    }
}
