import Foundation

/// One thing `cleanup` could remove, with the bytes removing it frees: what a dry run
/// shows, and what a real run deletes.
public struct CleanupCandidate: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// A partial blob no download owns any more.
        case partialFile = "partial_file"
        /// The snapshot of a commit no catalog model follows any more.
        case oldRevision = "old_revision"
        /// A whole model: its blobs and snapshot links, as `evict` removes them.
        case model
    }

    public var kind: Kind
    /// The catalog id, for `.model` only.
    public var model: String?
    public var repo: String?
    public var commit: String?
    /// What removing it frees; a blob another candidate also needs is counted with one of them only.
    public var bytes: Int64
    /// Plain words for a person: "never used", "revision 1a2b3c4 was replaced".
    public var reason: String
    /// What to delete, in this order (links before the blobs they point to, a snapshot
    /// folder last). For `.model` the daemon runs its own `evict` instead, which looks
    /// at the store as it is then; these are what a dry run shows.
    public var paths: [String]
    /// For `.model`: its uses in the usage window and when it was last used, beside the
    /// reason so a person can weigh it.
    public var uses: Int?
    public var lastUsed: Date?

    public init(
        kind: Kind, model: String? = nil, repo: String? = nil, commit: String? = nil, bytes: Int64, reason: String, paths: [String],
        uses: Int? = nil, lastUsed: Date? = nil
    ) {
        self.kind = kind
        self.model = model
        self.repo = repo
        self.commit = commit
        self.bytes = bytes
        self.reason = reason
        self.paths = paths
        self.uses = uses
        self.lastUsed = lastUsed
    }

    enum CodingKeys: String, CodingKey { case kind, model, repo, commit, bytes, reason, paths, uses, lastUsed = "last_used" }
}

/// A model `cleanup` will not suggest, and why, so a dry run can answer "why not that one?".
public struct CleanupSkip: Sendable, Equatable, Codable {
    public var model: String
    public var why: String

    public init(model: String, why: String) {
        self.model = model
        self.why = why
    }
}
