import Foundation

/// A tiny seeded generator (Steele, Lea and Flood's SplitMix64) for the fuzz and chaos
/// tests: the same seed gives the same choices on every machine and Swift version, which
/// the system generator does not promise, so a failure can be replayed from its seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The environment variable `variable` (decimal or 0x-hex) when set, so a failure seen
    /// in CI can be replayed; otherwise `fallback`, fixed per test so runs are reproducible.
    /// A value that is not a number fails rather than quietly testing something else.
    public static func seed(
        _ variable: String = "MODELD_FUZZ_SEED", default fallback: UInt64,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> UInt64 {
        guard let text = environment[variable]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            return fallback
        }
        let parsed = text.lowercased().hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
        guard let parsed else { throw TestSupportError("\(variable)=\(text) is not a decimal or 0x-hex number") }
        return parsed
    }

    /// `true` with probability `chance` (0...1).
    public mutating func chance(_ chance: Double) -> Bool { Double.random(in: 0..<1, using: &self) < chance }

    /// One of `choices`, which must not be empty.
    public mutating func pick<T>(_ choices: [T]) -> T { choices[Int.random(in: 0..<choices.count, using: &self)] }
}
