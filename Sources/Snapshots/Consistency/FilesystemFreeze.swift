import Foundation

/// FIFREEZE and FITHAW (linux/fs.h): a mounted filesystem flushes and blocks
/// new writes until thawed. The kernel counts nothing: one thaw undoes one
/// freeze, and thawing a filesystem that is not frozen fails with EINVAL.
enum FilesystemFreeze {
    // _IOWR('X', 119, int) and _IOWR('X', 120, int).
    private static let freezeRequest: UInt = 0xC004_5877
    private static let thawRequest: UInt = 0xC004_5878

    static func freeze(_ mountPoint: String) throws {
        try control(mountPoint, freezeRequest, "freeze")
    }

    /// Thaws; a filesystem already thawed is not an error.
    static func thaw(_ mountPoint: String) throws {
        do { try control(mountPoint, thawRequest, "thaw") } catch let error as FreezeError where error.code == EINVAL {}
    }

    struct FreezeError: Error, CustomStringConvertible {
        let operation: String
        let mountPoint: String
        let code: Int32
        var description: String { "cannot \(operation) the filesystem on \(mountPoint): \(String(cString: strerror(code)))" }
    }

    private static func control(_ mountPoint: String, _ request: UInt, _ operation: String) throws {
        let descriptor = open(mountPoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FreezeError(operation: operation, mountPoint: mountPoint, code: errno) }
        defer { close(descriptor) }
        var unused: CInt = 0
        guard ioctl(descriptor, request, &unused) == 0 else {
            throw FreezeError(operation: operation, mountPoint: mountPoint, code: errno)
        }
    }
}
