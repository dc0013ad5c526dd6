/// Checks applied to every device name and UUID before they reach an ioctl.
///
/// The kernel takes any bytes but '/', up to 127 of them; dmsnap is stricter so that
/// a name can never be mistaken for an option, a path or a table argument.
enum DeviceName {
    static let maximumLength = 127

    static func validate(_ name: String, _ operation: DeviceMapperError.Operation) throws(DeviceMapperError) {
        try validate(name, what: "device name", device: name, operation)
    }

    static func validateUUID(_ uuid: String, device: String, _ operation: DeviceMapperError.Operation) throws(DeviceMapperError) {
        try validate(uuid, what: "device UUID", device: device, operation)
    }

    private static func validate(
        _ text: String, what: String, device: String, _ operation: DeviceMapperError.Operation
    ) throws(DeviceMapperError) {
        func refuse(_ reason: String) -> DeviceMapperError {
            DeviceMapperError(operation, device: device, kind: .invalidArgument,
                              message: "invalid \(what) \(text.debugDescription): \(reason)")
        }
        if text.isEmpty { throw refuse("it is empty") }
        if text.utf8.count > maximumLength { throw refuse("longer than \(maximumLength) bytes") }
        if text.hasPrefix("-") { throw refuse("it starts with '-'") }
        if text == "." || text == ".." { throw refuse("it is a path component") }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+_.-:#@")
        if let bad = text.first(where: { !allowed.contains($0) }) {
            throw refuse("character \(String(bad).debugDescription) is not allowed (use letters, digits and + _ . - : # @)")
        }
    }
}
