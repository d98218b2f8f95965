import ModeldCore

/// `usage`: each model's use over the last `days` whole days, ranked, and the totals.
/// Days are calendar days in `timezone` (the daemon's UTC), written `2026-11-04`: a day
/// is not an instant, so it is not one of the protocol's RFC 3339 times.
public struct UsageResult: Codable, Sendable, Equatable {
    public var days: Int
    /// The first day of the window and the last (today).
    public var from: String
    public var to: String
    public var timezone: String
    /// Most used first (`rank` 1).
    public var models: [ModelUsage]
    public var total: Total

    public init(days: Int, from: String, to: String, timezone: String = "UTC", models: [ModelUsage], total: Total) {
        self.days = days
        self.from = from
        self.to = to
        self.timezone = timezone
        self.models = models
        self.total = total
    }

    /// The figures of every model together, so a client does not add them up itself.
    public struct Total: Codable, Sendable, Equatable {
        public var uses: Int
        public var successes: Int
        public var failures: Int
        /// Uses whose outcome no client reported.
        public var unknown: Int
        public var acquires: Int
        /// Requests that got no real model, so the service fell back to mock output.
        public var mockFallbacks: Int
        /// One entry per day of the window, oldest first.
        public var perDay: [DayCount]

        public init(
            uses: Int, successes: Int, failures: Int, unknown: Int, acquires: Int, mockFallbacks: Int, perDay: [DayCount]
        ) {
            self.uses = uses
            self.successes = successes
            self.failures = failures
            self.unknown = unknown
            self.acquires = acquires
            self.mockFallbacks = mockFallbacks
            self.perDay = perDay
        }

        enum CodingKeys: String, CodingKey {
            case uses, successes, failures, unknown, acquires, mockFallbacks = "mock_fallbacks", perDay = "per_day"
        }
    }
}

extension UsageResult {
    /// The answer for `summary` (the daemon's days are UTC days).
    public init(_ summary: UsageSummary) {
        let total = summary.total
        self.init(
            days: summary.window, from: summary.from, to: summary.to, models: summary.models,
            total: Total(
                uses: total.uses, successes: total.successes, failures: total.failures, unknown: total.unknown,
                acquires: total.acquires, mockFallbacks: total.mockFallbacks, perDay: total.perDay))
    }
}
