import ModeldCore

/// `cleanup`: what would go (a dry run) or what went, in order, with the bytes each frees.
public struct CleanupResult: Codable, Sendable, Equatable {
    public var dryRun: Bool
    /// Free to the daemon on the store's filesystem before the cleanup.
    public var freeBytes: Int64
    public var targetFreeBytes: Int64
    public var candidates: [CleanupCandidate]
    /// Models with files here that are not candidates, and why (pinned, leased, busy).
    public var kept: [CleanupSkip]
    /// Planned in a dry run; removed in a real one.
    public var freedBytes: Int64
    /// What could not be removed, each with its error.
    public var failures: [String]

    public init(
        dryRun: Bool, freeBytes: Int64, targetFreeBytes: Int64, candidates: [CleanupCandidate], kept: [CleanupSkip],
        freedBytes: Int64, failures: [String] = []
    ) {
        self.dryRun = dryRun
        self.freeBytes = freeBytes
        self.targetFreeBytes = targetFreeBytes
        self.candidates = candidates
        self.kept = kept
        self.freedBytes = freedBytes
        self.failures = failures
    }

    enum CodingKeys: String, CodingKey {
        case dryRun = "dry_run", freeBytes = "free_bytes", targetFreeBytes = "target_free_bytes", candidates, kept
        case freedBytes = "freed_bytes", failures
    }
}
