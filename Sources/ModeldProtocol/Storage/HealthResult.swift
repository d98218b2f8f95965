/// `health`: one score for the whole machine, each model's part in it, the storage, what
/// got slower, and what to do next (repairs, rollbacks, cleanup, models to pull).
public struct HealthResult: Codable, Sendable, Equatable {
    /// 0…100: the mean integrity of the models that should be here, less 10 when the
    /// store's, the links' or the ledger's filesystem is below `warn_below`, less 5 per
    /// degraded figure.
    public var score: Int
    public var models: [ModelHealth]
    public var storage: [DiskReport]
    public var recommendations: [Recommendation]
    /// The figures of generations that got worse than their baseline, now.
    public var degraded: [Degraded]

    public init(
        score: Int, models: [ModelHealth], storage: [DiskReport], recommendations: [Recommendation], degraded: [Degraded] = []
    ) {
        self.score = score
        self.models = models
        self.storage = storage
        self.recommendations = recommendations
        self.degraded = degraded
    }

    /// One degraded figure (`health.degraded` said so when it began).
    public struct Degraded: Codable, Sendable, Equatable {
        public var model: String
        /// `seconds_per_step@1280x704`, `success_rate`, `load_s`, …
        public var metric: String
        public var baseline: Double
        public var current: Double
        /// `damaged_files`, `new_commit`, `gpu_busy`, … (`unknown` when nothing explains it).
        public var cause: String
        public var suggestion: Recommendation

        public init(model: String, metric: String, baseline: Double, current: Double, cause: String, suggestion: Recommendation) {
            self.model = model
            self.metric = metric
            self.baseline = baseline
            self.current = current
            self.cause = cause
            self.suggestion = suggestion
        }
    }

    public struct ModelHealth: Codable, Sendable, Equatable {
        public var model: String
        public var state: String
        /// Verified share of the model's files (0…1); nil before its manifest is known.
        public var integrity: Double?
        public var pinned: Bool

        public init(model: String, state: String, integrity: Double?, pinned: Bool) {
            self.model = model
            self.state = state
            self.integrity = integrity
            self.pinned = pinned
        }
    }
}
