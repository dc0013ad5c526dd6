import Foundation
import Testing

/// The boot unit in Scripts/systemd: systemd accepts it, and it runs the
/// command it says it does.
struct SystemdUnitTests {
    static let unit = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts/systemd/dmsnap-activate.service").path

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")))
    func theActivationUnitVerifiesCleanly() throws {
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        #expect(text.contains("ExecStart=/usr/local/sbin/dmsnap activate\n"))
        // Pointed at the built binary, so that verify can check the command exists.
        let directory = try DMSnapBinary.scratchDirectory("unit")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let copy = "\(directory)/dmsnap-activate.service"
        try text.replacingOccurrences(of: "/usr/local/sbin/dmsnap", with: DMSnapBinary.path)
            .write(toFile: copy, atomically: true, encoding: .utf8)
        let result = try Invocation("/usr/bin/systemd-analyze", ["verify", copy]).run()
        #expect(result.status == 0 && result.errorText.isEmpty && result.outputText.isEmpty,
                "systemd-analyze verify: \(result.errorText)\(result.outputText)")
    }
}
