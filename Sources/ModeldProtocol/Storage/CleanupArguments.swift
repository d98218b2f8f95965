/// `cleanup`: a dry run unless `dry_run` is false; without `target_free_bytes`, enough
/// to get back above `[disk] warn_below`.
public struct CleanupArguments: Codable, Sendable, Equatable {
    public var dryRun: Bool?
    public var targetFreeBytes: Int64?

    public init(dryRun: Bool? = nil, targetFreeBytes: Int64? = nil) {
        self.dryRun = dryRun
        self.targetFreeBytes = targetFreeBytes
    }

    enum CodingKeys: String, CodingKey { case dryRun = "dry_run", targetFreeBytes = "target_free_bytes" }
}
