import Foundation

/// One model in `usage`: how often it was used and how well it went, when (per day, per
/// hour), how long clients waited for it, and what keeping it cost in transfers.
public struct ModelUsage: Codable, Sendable, Equatable {
    /// The `model` of the totals over every model (`UsageSummary.total`).
    public static let allModels = "*"

    public var model: String
    /// 1 for the most used model of the answer.
    public var rank: Int
    public var uses: Int
    public var usesPerDay: Double
    /// Nil when the model was never used.
    public var lastUsed: Date?
    public var successes: Int
    public var failures: Int
    /// Uses whose outcome no client reported.
    public var unknown: Int
    /// Successes among the uses with a known outcome; nil when none has one.
    public var successRate: Double?
    /// Seconds per generation; nil when no use reported `duration_s`.
    public var generationSeconds: UsageDistribution?
    /// Nil when no use reported its steps.
    public var secondsPerStep: UsageDistribution?
    /// 24 counts of uses, by the UTC hour they began in (index 0 is 00:00–00:59 UTC).
    public var peakHours: [Int]
    /// Exactly one entry per day of the window, oldest first.
    public var perDay: [DayCount]
    public var acquires: Int
    /// Seconds an `acquire` waited for the model; nil when none waited.
    public var averageWaitSeconds: Double?
    /// Requests for this model that got mock output, because it was not ready.
    public var mockFallbacks: Int
    /// `suggest` requests that asked for an alternative to this model.
    public var suggests: Int
    /// Nil when nothing was downloaded in the window.
    public var downloads: Transfers?
    /// Nil when nothing was verified in the window.
    public var verifications: Transfers?

    public init(
        model: String, rank: Int, uses: Int, usesPerDay: Double, lastUsed: Date?, successes: Int, failures: Int,
        unknown: Int, successRate: Double?, generationSeconds: UsageDistribution? = nil,
        secondsPerStep: UsageDistribution? = nil, peakHours: [Int], perDay: [DayCount], acquires: Int = 0,
        averageWaitSeconds: Double? = nil, mockFallbacks: Int = 0, suggests: Int = 0, downloads: Transfers? = nil,
        verifications: Transfers? = nil
    ) {
        self.model = model
        self.rank = rank
        self.uses = uses
        self.usesPerDay = usesPerDay
        self.lastUsed = lastUsed
        self.successes = successes
        self.failures = failures
        self.unknown = unknown
        self.successRate = successRate
        self.generationSeconds = generationSeconds
        self.secondsPerStep = secondsPerStep
        self.peakHours = peakHours
        self.perDay = perDay
        self.acquires = acquires
        self.averageWaitSeconds = averageWaitSeconds
        self.mockFallbacks = mockFallbacks
        self.suggests = suggests
        self.downloads = downloads
        self.verifications = verifications
    }

    enum CodingKeys: String, CodingKey {
        case model, rank, uses, usesPerDay = "uses_per_day", lastUsed = "last_used", successes, failures, unknown
        case successRate = "success_rate", generationSeconds = "generation_s", secondsPerStep = "seconds_per_step"
        case peakHours = "peak_hours", perDay = "per_day", acquires, averageWaitSeconds = "average_wait_s"
        case mockFallbacks = "mock_fallbacks", suggests, downloads, verifications
    }

    /// Downloads or verifications of the model in the window: how many, how many bytes,
    /// how long they took, and the throughput that follows.
    public struct Transfers: Codable, Sendable, Equatable {
        public var count: Int
        public var bytes: Int64
        public var seconds: Double
        /// Downloads only: ranges fetched again after an error.
        public var retries: Int?
        /// Nil when no time was measured.
        public var bytesPerSecond: Int64?

        public init(count: Int, bytes: Int64, seconds: Double, retries: Int? = nil, bytesPerSecond: Int64?) {
            self.count = count
            self.bytes = bytes
            self.seconds = seconds
            self.retries = retries
            self.bytesPerSecond = bytesPerSecond
        }

        enum CodingKeys: String, CodingKey { case count, bytes, seconds, retries, bytesPerSecond = "bytes_per_second" }
    }
}
