/// A figure of a model that got clearly worse than it used to be (`health.degraded`),
/// with the likeliest cause and the one thing to try first.
public struct Degradation: Codable, Sendable, Equatable {
    /// What the recent generations had in common that the earlier ones did not, checked
    /// in this order (the first that applies is named).
    public enum Cause: String, Codable, Sendable, Equatable {
        /// Files are damaged or missing.
        case damagedFiles = "damaged_files"
        /// Files are not verified (and none is known to be damaged).
        case unverifiedFiles = "unverified_files"
        /// The recent generations ran on a newer commit than the earlier ones.
        case newCommit = "new_commit"
        /// The GPU's memory was nearly full or other processes were on it.
        case gpuBusy = "gpu_busy"
        /// Loading got slower while the store's disk is nearly full.
        case diskLow = "disk_low"
        /// Several generations ran at once.
        case concurrentGenerations = "concurrent_generations"
        /// Nothing the daemon can see.
        case unknown
    }

    public struct Suggestion: Codable, Sendable, Equatable {
        /// A command to run first.
        public var command: String
        /// One sentence with the figures: what got worse, by how much, and why it may have.
        public var why: String
    }

    /// `seconds_per_step@1280x704`, `seconds_per_frame@…`, `duration_s@…`, `load_s` or
    /// `success_rate`.
    public var metric: String
    /// The median of the earlier samples, in seconds; for `success_rate`, their rate (0…1).
    public var baseline: Double
    /// The same of the recent samples.
    public var current: Double
    public var cause: Cause
    public var suggestion: Suggestion

    /// Whether the figure is worse than its baseline by `factor`: a time `factor` times
    /// as long, a success rate below the old one divided by `factor`.
    public func isDegraded(factor: Double) -> Bool {
        metric == PerformanceMetric.successRate.name ? current < baseline / factor : current >= factor * baseline
    }
}
