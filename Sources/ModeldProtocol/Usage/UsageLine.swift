import Foundation

/// A model's `usage` in `status`: the three figures that say at a glance whether it
/// earns its disk space; `usage` itself has the rest.
public struct UsageLine: Codable, Sendable, Equatable {
    public var uses: Int
    public var usesPerDay: Double
    /// Nil when the model was never used.
    public var lastUsed: Date?

    public init(uses: Int, usesPerDay: Double, lastUsed: Date?) {
        self.uses = uses
        self.usesPerDay = usesPerDay
        self.lastUsed = lastUsed
    }

    enum CodingKeys: String, CodingKey { case uses, usesPerDay = "uses_per_day", lastUsed = "last_used" }
}
