import Foundation

/// What `cleanup` could remove, cheapest loss first: stale partial downloads, then the
/// snapshots of replaced revisions (both pure waste, so always listed), then whole
/// models, least used first (fewest uses in the usage window, then longest unused),
/// only until the free space reaches the target.
/// Pure: the daemon gathers the facts, this decides.
public struct CleanupPlan: Sendable, Equatable {
    /// A catalog model as cleanup sees it.
    public struct Model: Sendable {
        public var id: String
        /// Its current commit's files. A model whose files are not known yet cannot be
        /// described here; leave out its repository's models (as `evict` refuses them),
        /// since it may need their blobs.
        public var manifest: Manifest
        /// Whether any of its files are in the store; a model with none frees nothing.
        public var present: Bool
        /// Pinned against cleanup (`keep`, or `keep = true` in the config).
        public var pinned: Bool
        /// A generation service holds a lease on it.
        public var leased: Bool
        /// Downloading or being checked: its files are changing under us.
        public var busy: Bool
        /// Nil: never used.
        public var lastUsed: Date?
        /// Uses within the usage window (`[usage] unused_after` back from now).
        public var uses: Int

        public init(
            id: String, manifest: Manifest, present: Bool = true, pinned: Bool = false, leased: Bool = false, busy: Bool = false,
            lastUsed: Date?, uses: Int = 0
        ) {
            self.id = id
            self.manifest = manifest
            self.present = present
            self.pinned = pinned
            self.leased = leased
            self.busy = busy
            self.lastUsed = lastUsed
            self.uses = uses
        }
    }

    /// A snapshot in the store whose commit is no model's current commit.
    public struct OldRevision: Sendable {
        public var repo: String
        public var commit: String
        /// Its snapshot links.
        public var links: [String]
        /// The blobs its links point to.
        public var blobs: [(path: String, bytes: Int64)]
        /// When an update or a rollback left it, when that is known.
        public var replaced: Date?

        public init(repo: String, commit: String, links: [String], blobs: [(path: String, bytes: Int64)], replaced: Date? = nil) {
            self.repo = repo
            self.commit = commit
            self.links = links
            self.blobs = blobs
            self.replaced = replaced
        }
    }

    /// A partial blob in the store (modeld's, or a `.incomplete` file of another tool).
    public struct PartialFile: Sendable {
        public var path: String
        public var bytes: Int64
        public var modified: Date
        /// A queued, running or paused download still means to finish it.
        public var owned: Bool

        public init(path: String, bytes: Int64, modified: Date, owned: Bool) {
            self.path = path
            self.bytes = bytes
            self.modified = modified
            self.owned = owned
        }
    }

    /// In the order they should go.
    public var candidates: [CleanupCandidate]
    /// Present models not suggested, and why.
    public var kept: [CleanupSkip]
    public var freeBytes: Int64
    public var targetFreeBytes: Int64

    public var freedBytes: Int64 { candidates.reduce(0) { $0 + $1.bytes } }
    /// False when even every candidate together leaves less free than the target.
    public var reachesTarget: Bool { freeBytes + freedBytes >= targetFreeBytes }

    /// `usageWindow`: the seconds back `Model.uses` counts, for the reasons' words.
    public init(
        models: [Model], oldRevisions: [OldRevision], partials: [PartialFile], layout: StoreLayout,
        freeBytes: Int64, targetFreeBytes: Int64, now: Date, staleAfter: TimeInterval, usageWindow: TimeInterval = 30 * 86_400
    ) {
        self.freeBytes = freeBytes
        self.targetFreeBytes = targetFreeBytes
        var candidates: [CleanupCandidate] = []
        for partial in partials where !partial.owned {
            let age = now.timeIntervalSince(partial.modified)
            guard age >= staleAfter else { continue }
            candidates.append(CleanupCandidate(
                kind: .partialFile, bytes: partial.bytes, reason: "partial download left \(TimeSpan.roughly(age)) ago", paths: [partial.path]))
        }
        candidates += Self.oldRevisionCandidates(oldRevisions, models: models, layout: layout, now: now)
        kept = []
        var chosen = Set<String>()
        var freed = candidates.reduce(0) { $0 + $1.bytes }
        for model in Self.leastUsedFirst(models) where model.present {
            if let why = Self.whyKept(model) {
                kept.append(CleanupSkip(model: model.id, why: why))
                continue
            }
            // `continue`, not `break`: the models after it may still be kept for a reason worth telling.
            guard freeBytes + freed < targetFreeBytes else { continue }
            // Models chosen before this one are gone by the time it goes, so a blob it
            // shares with them is freed now, and counted once; one it shares with a
            // model that stays is not freed at all.
            let others = models.filter { $0.id != model.id && !chosen.contains($0.id) }.map(\.manifest)
            let plan = EvictionPlan(model: model.manifest, others: others, layout: layout)
            chosen.insert(model.id)
            freed += plan.freedBytes
            candidates.append(CleanupCandidate(
                kind: .model, model: model.id, repo: model.manifest.repo, commit: model.manifest.commit, bytes: plan.freedBytes,
                reason: Self.usageWords(model, now: now, window: usageWindow),
                paths: plan.snapshotLinks + plan.blobs.map(\.path), uses: model.uses, lastUsed: model.lastUsed))
        }
        self.candidates = candidates
    }

    /// Each old revision frees the blobs no current model needs. A blob two old
    /// revisions share is counted with the last of them, so deleting them in order never
    /// leaves a link pointing at a deleted blob.
    private static func oldRevisionCandidates(_ revisions: [OldRevision], models: [Model], layout: StoreLayout, now: Date) -> [CleanupCandidate] {
        var needed = Set(models.flatMap { model in model.manifest.files.map { layout.blob(model.manifest.repo, $0.digest) } })
        let current = Dictionary(grouping: models.map(\.manifest), by: \.repo).mapValues { Set($0.map(\.commit)) }
        var candidates: [CleanupCandidate] = []
        // A revision some model still follows is not old, whatever the caller thought:
        // removing its links would break that model.
        for revision in revisions.reversed() where current[revision.repo]?.contains(revision.commit) != true {
            // Inserting as we go also counts a blob two links share once.
            let freed = revision.blobs.filter { needed.insert($0.path).inserted }
            var reason = "revision \(revision.commit.prefix(7)) was replaced"
            if let newer = current[revision.repo], newer.count == 1, let commit = newer.first { reason += " by \(commit.prefix(7))" }
            if let replaced = revision.replaced { reason += " \(TimeSpan.roughly(now.timeIntervalSince(replaced))) ago" }
            candidates.append(CleanupCandidate(
                kind: .oldRevision, repo: revision.repo, commit: revision.commit, bytes: freed.reduce(0) { $0 + $1.bytes },
                reason: reason, paths: revision.links + freed.map(\.path) + [layout.snapshot(revision.repo, revision.commit)]))
        }
        return candidates.reversed()
    }

    /// Fewest uses in the window first (never used ones among them: nothing is lost that
    /// anyone relied on), then the longest unused; ties by id so the same store always
    /// gives the same plan.
    private static func leastUsedFirst(_ models: [Model]) -> [Model] {
        models.sorted { a, b in
            if a.uses != b.uses { return a.uses < b.uses }
            switch (a.lastUsed, b.lastUsed) {
            case (nil, nil): return a.id < b.id
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?): return x == y ? a.id < b.id : x < y
            }
        }
    }

    /// "never used", "not used for 45 days", "used 3 times in 30 days, last 2 days ago".
    private static func usageWords(_ model: Model, now: Date, window: TimeInterval) -> String {
        guard let last = model.lastUsed else { return "never used" }
        let since = TimeSpan.roughly(now.timeIntervalSince(last))
        guard model.uses > 0 else { return "not used for \(since)" }
        return "used \(model.uses) time\(model.uses == 1 ? "" : "s") in \(TimeSpan.roughly(window)), last \(since) ago"
    }

    private static func whyKept(_ model: Model) -> String? {
        if model.pinned { return "pinned" }
        if model.leased { return "in use (leased)" }
        if model.busy { return "downloading or being checked" }
        return nil
    }
}
