import Foundation

/// Runs a helper program (losetup, blkid, wipefs) with an argument vector, never
/// through a shell, so no argument is ever parsed as shell syntax.
enum ExternalCommand {
    struct Failure: Error, CustomStringConvertible {
        let command: [String]
        let status: Int32
        let standardError: String
        var description: String {
            "`\(command.joined(separator: " "))` exited \(status): \(standardError.trimmingCharacters(in: .whitespacesAndNewlines))"
        }
    }

    /// Returns standard output; throws `Failure` on a non-zero exit.
    @discardableResult
    static func run(_ program: String, _ arguments: [String], allowedStatuses: Set<Int32> = [0]) throws -> String {
        let (process, output, errorReader) = try start(program, arguments)
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let standardError = String(decoding: errorReader.wait(), as: UTF8.self)
        guard allowedStatuses.contains(process.terminationStatus) else {
            throw Failure(command: [program] + arguments, status: process.terminationStatus, standardError: standardError)
        }
        return String(decoding: outputData, as: UTF8.self)
    }

    /// Runs `program` and hands its standard output, as a file descriptor, to
    /// `read` while it runs, so a long output is never held whole; then waits.
    /// A non-zero exit throws `Failure` (before anything `read` threw, since
    /// the program's own words say more); output `read` left is discarded.
    static func run<T>(_ program: String, _ arguments: [String], readingOutput read: (Int32) throws -> T) throws -> T {
        let (process, output, errorReader) = try start(program, arguments)
        let result = Result { try read(output.fileHandleForReading.fileDescriptor) }
        if case .failure = result {
            // The program may still be writing: closing our end ends it with SIGPIPE.
            try? output.fileHandleForReading.close()
        } else {
            _ = output.fileHandleForReading.readDataToEndOfFile()
        }
        process.waitUntilExit()
        let standardError = String(decoding: errorReader.wait(), as: UTF8.self)
        guard process.terminationStatus == 0 || (result.isFailure && process.terminationReason == .uncaughtSignal) else {
            throw Failure(command: [program] + arguments, status: process.terminationStatus, standardError: standardError)
        }
        return try result.get()
    }

    /// Starts `program` with its output on a pipe and its standard error drained
    /// beside it, so a chatty program cannot block on a full pipe.
    private static func start(_ program: String, _ arguments: [String]) throws -> (Process, Pipe, PipeReader) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try locate(program))
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, output, PipeReader(errors))
    }

    private static func locate(_ program: String) throws -> String {
        for directory in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(directory)/\(program)") {
            return "\(directory)/\(program)"
        }
        throw Failure(command: [program], status: 127, standardError: "\(program) is not installed")
    }
}

private extension Result {
    var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}

/// Reads a pipe to its end on another thread.
private final class PipeReader: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        DispatchQueue.global().async {
            self.data = pipe.fileHandleForReading.readDataToEndOfFile()
            self.done.signal()
        }
    }

    /// Waits for end of file; `data` is only read after the writer signalled.
    func wait() -> Data {
        done.wait()
        return data
    }
}
