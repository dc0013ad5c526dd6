import ArgumentParser
import Foundation
import Snapshots

/// The everyday spelling's error handling: `dmsnap: error: …` on stderr and exit 1.
enum Everyday {
    static func run(json: Bool, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("dmsnap: error: \(Self.message(for: error))\n".utf8))
            throw ExitCode(1)
        }
    }

    static func message(for error: any Error) -> String {
        if let error = error as? SnapshotsError { return error.message }
        return String(describing: error)
    }
}
