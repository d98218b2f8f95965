/// `[usage]`: how long the usage analytics keep their detail, and what they count as
/// unused or degraded.
public struct UsageSettings: Sendable, Equatable {
    /// Each use, request and download stays as a row this many days; after that only its
    /// day's aggregate remains (which `usage` answers from anyway).
    public var keepDays = 180
    /// `health` offers to free a model no generation used for this long.
    public var unusedAfter = TimeSpan.seconds(30 * 86_400)
    /// Recent generations this many times slower than the model's baseline count as
    /// degraded (`health.degraded`).
    public var degradedFactor = 1.5

    public init() {}
}

extension UsageSettings: Codable {
    enum CodingKeys: String, CodingKey {
        case keepDays = "keep_days", unusedAfter = "unused_after", degradedFactor = "degraded_factor"
    }

    public init(from decoder: any Decoder) throws {
        let below = decoder.configBelow.usage
        let c = try decoder.container(keyedBy: CodingKeys.self)
        keepDays = try c.decode(.keepDays, or: below.keepDays, in: 1...36_500)
        unusedAfter = try c.decode(.unusedAfter, or: below.unusedAfter, in: .seconds(3600)...TimeSpan.seconds(3650 * 86_400))
        // Under 1.05 every ordinary wobble between generations would count as degraded.
        degradedFactor = try c.decode(.degradedFactor, or: below.degradedFactor, in: 1.05...100)
    }
}
