/// `health`: one score for the whole machine, each model's part in it, the storage, and
/// what to do next (repairs, cleanup when space is low).
public struct HealthResult: Codable, Sendable, Equatable {
    /// 0…100: the mean integrity of the models that should be here, less 10 when the
    /// store's, the links' or the ledger's filesystem is below `warn_below`.
    public var score: Int
    public var models: [ModelHealth]
    public var storage: [DiskReport]
    public var recommendations: [Recommendation]

    public init(score: Int, models: [ModelHealth], storage: [DiskReport], recommendations: [Recommendation]) {
        self.score = score
        self.models = models
        self.storage = storage
        self.recommendations = recommendations
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
