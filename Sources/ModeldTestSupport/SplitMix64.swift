import Foundation

/// SplitMix64 (Steele, Lea and Flood, 2014): a random generator whose whole state is one
/// 64-bit number, so a test that draws its choices from it makes the same choices
/// whenever it is given the same seed — a failure can be replayed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed &>> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed &>> 31)
    }

    /// The seed the environment variable `name` gives (decimal, or hexadecimal after
    /// `0x`), else a new one from the system: each run explores another seed unless
    /// told which one to replay.
    public static func seed(fromEnvironment name: String) throws -> UInt64 {
        guard let text = ProcessInfo.processInfo.environment[name], !text.isEmpty else {
            return UInt64.random(in: .min ... .max)
        }
        let parsed = text.lowercased().hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
        guard let parsed else { throw TestSupportError("\(name)=\(text): not a 64-bit number (decimal, or hex after 0x)") }
        return parsed
    }
}
