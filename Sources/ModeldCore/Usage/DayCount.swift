/// One day of a `usage` window: what a chart of use over time needs, and no more.
public struct DayCount: Codable, Sendable, Equatable {
    /// `2026-11-04`, in the result's `timezone`.
    public var day: String
    public var uses: Int
    public var failures: Int
    public var mockFallbacks: Int

    public init(day: String, uses: Int, failures: Int = 0, mockFallbacks: Int = 0) {
        self.day = day
        self.uses = uses
        self.failures = failures
        self.mockFallbacks = mockFallbacks
    }

    enum CodingKeys: String, CodingKey { case day, uses, failures, mockFallbacks = "mock_fallbacks" }
}
