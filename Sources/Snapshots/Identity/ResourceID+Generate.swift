extension ResourceID {
    /// 36^12, the largest power of 36 below 2^64: one 64-bit draw carries 12 digits.
    private static let block: UInt64 = 4_738_381_338_321_616_896
    /// The end of the last whole block inside the 64-bit range (3 blocks).
    /// Draws at or above it are rejected, so every block value is equally likely
    /// and `draw % block` has no modulo bias.
    private static let acceptBelow: UInt64 = block * (UInt64.max / block)

    /// A fresh ID from the system's CSPRNG (getrandom(2) on Linux).
    public static func generate(_ kind: Kind) -> ResourceID {
        var generator = SystemRandomNumberGenerator()
        return generate(kind, using: &generator)
    }

    /// A fresh ID from `generator`; tests pass a seeded one.
    ///
    /// Each accepted 64-bit draw gives 12 uniform base-36 digits, so an ID costs
    /// two or three draws rather than twenty (each draw is a syscall).
    public static func generate(_ kind: Kind, using generator: inout some RandomNumberGenerator) -> ResourceID {
        ResourceID(kind: kind, body: generateBody(using: &generator))
    }

    /// The 20 random characters of an ID alone, for an identity that is not a
    /// resource of ECS's (a native pool's, see `PoolRecord.poolId`).
    static func generateBody(using generator: inout some RandomNumberGenerator) -> String {
        var body: [UInt8] = []
        body.reserveCapacity(bodyLength + 12)
        while body.count < bodyLength {
            let draw = generator.next()
            guard draw < acceptBelow else { continue }
            var digits = draw % block
            for _ in 0..<12 {
                body.append(alphabet[Int(digits % 36)])
                digits /= 36
            }
        }
        return String(decoding: body.prefix(bodyLength), as: UTF8.self)
    }
}
