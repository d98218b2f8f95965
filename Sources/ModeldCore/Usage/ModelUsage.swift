import Foundation

/// What `usage` tells about one model over a window of days, or about all of them
/// together (`model` is `ModelUsage.allModels` then). Built from daily rows by
/// `UsageSummary.build`.
public struct ModelUsage: Codable, Sendable, Equatable {
    /// The `model` of the totals over every model.
    public static let allModels = "*"

    /// Count, average and percentiles of some duration, in seconds. The percentiles come
    /// from a `DurationHistogram`, so they are within about ±9 %; the average is exact.
    public struct Distribution: Codable, Sendable, Equatable {
        public var count: Int
        public var average: Double
        public var p50: Double
        public var p95: Double
    }

    /// One day of the window.
    public struct DayCount: Codable, Sendable, Equatable {
        public var day: String
        public var uses: Int
        public var failures: Int
        public var mockFallbacks: Int
    }

    /// Downloads or verifications over the window.
    public struct WorkTotals: Codable, Sendable, Equatable {
        public var count: Int
        public var bytes: Int64
        public var seconds: Double
        public var retries: Int
        /// Nil when no time was spent (nothing to divide by).
        public var bytesPerSecond: Int64?
    }

    public var model: String
    /// 1-based, most used first; 0 for the totals over every model.
    public var rank: Int
    public var uses: Int
    public var usesPerDay: Double
    public var lastUsed: Date?
    public var successes: Int
    public var failures: Int
    /// Uses whose outcome was not told.
    public var unknown: Int
    /// Successes among the uses whose outcome is known; nil when none is.
    public var successRate: Double?
    /// How long generations took; nil when none gave a duration.
    public var generation: Distribution?
    public var secondsPerStep: Distribution?
    /// Uses in each UTC hour, 0…23, over the window: where the peaks are.
    public var peakHours: [Int]
    /// Every day of the window, oldest first, days without use included.
    public var perDay: [DayCount]
    public var acquires: Int
    /// How long `acquire` callers waited on average; nil without acquires.
    public var averageWaitSeconds: Double?
    public var mockFallbacks: Int
    public var suggests: Int
    /// Nil when there were none.
    public var downloads: WorkTotals?
    public var verifications: WorkTotals?
}
