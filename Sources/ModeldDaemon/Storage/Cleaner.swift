import Foundation
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol

/// `cleanup`: gathers what the store holds beyond what is needed (stale partial
/// downloads, replaced revisions, models least recently used), plans it with
/// `CleanupPlan`, and removes it unless asked for a dry run. Pinned, leased and busy
/// models are never touched; models go through `Evictor`, which checks again.
struct Cleaner: Sendable {
    let keeper: Keeper
    let downloads: Downloader
    let evictor: Evictor
    let store: Store
    let ledger: Ledger
    let io: BlockingPool
    let logger: Logger

    /// A partial download nobody resumed for this long is left over, not paused.
    static let partialStaleAfter: TimeInterval = 86_400

    func cleanup(_ arguments: CleanupArguments) async throws(ProtocolError) -> CleanupResult {
        if let target = arguments.targetFreeBytes, target < 0 {
            throw ProtocolError(.badRequest, "target_free_bytes must be 0 or more")
        }
        let plan = try await plan(targetFreeBytes: arguments.targetFreeBytes)
        guard arguments.dryRun == false else {
            return CleanupResult(
                dryRun: true, freeBytes: plan.freeBytes, targetFreeBytes: plan.targetFreeBytes, candidates: plan.candidates,
                kept: plan.kept, freedBytes: plan.freedBytes)
        }
        var freed: Int64 = 0
        var failures: [String] = []
        for candidate in plan.candidates {
            do throws(ProtocolError) {
                freed += try await remove(candidate)
            } catch {
                failures.append("\(candidate.model ?? candidate.paths.first ?? "?"): \(error.message)")
            }
        }
        let trouble = failures.isEmpty ? "" : "; \(failures.count) could not be removed"
        logger.notice("cleanup: \(ByteSize.format(freed)) freed from \(plan.candidates.count - failures.count) items\(trouble)")
        return CleanupResult(
            dryRun: false, freeBytes: plan.freeBytes, targetFreeBytes: plan.targetFreeBytes, candidates: plan.candidates,
            kept: plan.kept, freedBytes: freed, failures: failures)
    }

    /// What would go to get the store's filesystem back to `targetFreeBytes` free
    /// (`[disk] warn_below` when not given).
    func plan(targetFreeBytes: Int64?) async throws(ProtocolError) -> CleanupPlan {
        let config = await keeper.config
        let lastUsed: [String: Date]
        let window = config.usage.unusedAfter.seconds
        let uses: [String: Int]
        var replacedAt: [String: [String: Date]] = [:]
        // Replaced revisions whose successor proved itself (`keep_until_successes`).
        var proven: Set<String> = []
        do {
            lastUsed = try await ledger.lastUses()
            uses = try await ledger.useCounts(since: Date().addingTimeInterval(-window))
            for replaced in try await ledger.replacedRevisions() {
                guard let repo = config.model(replaced.model)?.repo else { continue }
                replacedAt[repo, default: [:]][replaced.commit] = max(replacedAt[repo]?[replaced.commit] ?? .distantPast, replaced.at)
                if config.updates.keepUntilSuccesses > 0, let current = await keeper.integrity(of: replaced.model)?.manifest.commit,
                    current != replaced.commit
                {
                    let successes = try await ledger.uses(of: replaced.model, since: replaced.at).count { $0.commit == current && $0.success == true }
                    if successes >= config.updates.keepUntilSuccesses { proven.insert(repo + "@" + replaced.commit) }
                }
            }
        } catch {
            throw ProtocolError(.internal, "the usage records could not be read: \(error)", hint: "journalctl -u modeld shows more")
        }
        // A repo with a model whose manifest is not known yet: its files are not known
        // either, so neither its models nor its snapshots are offered.
        let known = await keeper.cleanupModels(lastUsed: lastUsed, uses: uses)
        let withManifest = Set(known.map(\.id))
        let settled = Set(config.models.map(\.repo)).filter { repo in
            config.models.allSatisfy { $0.repo != repo || withManifest.contains($0.id) }
        }
        let models = known.filter { settled.contains($0.manifest.repo) }
        let owning = await repositoriesDownloading()
        let (inUse, busy) = await keeper.commitsInUse()
        // A replaced revision stays for rollback (`[updates] keep_previous`), counted from
        // when an update or rollback left it, else from its snapshot's last change; or until
        // the revision after it proved itself.
        let replacedBefore = Date().addingTimeInterval(-Double(config.updates.keepPrevious.seconds))
        let found = await io.outcome { [store, replacedAt, proven] () throws(SystemError) in
            var old: [CleanupPlan.OldRevision] = []
            var partials: [CleanupPlan.PartialFile] = []
            for repo in settled.subtracting(busy).sorted() {
                for commit in try store.snapshotCommits(repo: repo).sorted() where inUse[repo]?.contains(commit) != true {
                    let contents = try store.snapshotContents(repo: repo, commit: commit)
                    guard proven.contains(repo + "@" + commit) || max(contents.modified, replacedAt[repo]?[commit] ?? .distantPast) < replacedBefore
                    else { continue }
                    old.append(.init(repo: repo, commit: commit, links: contents.links, blobs: contents.blobs, replaced: replacedAt[repo]?[commit]))
                }
            }
            for repo in Set(config.models.map(\.repo)).sorted() {
                partials += try store.partialFiles(repo: repo).map {
                    .init(path: $0.path, bytes: $0.bytes, modified: $0.modified, owned: owning.contains(repo))
                }
            }
            let free = try DiskSpace.of(store.layout.root).availableBytes
            return (old, partials, free)
        }
        let (old, partials, free): ([CleanupPlan.OldRevision], [CleanupPlan.PartialFile], Int64)
        switch found {
        case .success(let facts): (old, partials, free) = facts
        case .failure(let error):
            throw ProtocolError(.internal, "the store could not be looked through: \(error)", hint: "check the permissions of \(store.layout.root)")
        }
        return CleanupPlan(
            models: models, oldRevisions: old, partials: partials, layout: store.layout, freeBytes: free,
            targetFreeBytes: targetFreeBytes ?? config.disk.warnBelow.bytes, now: Date(), staleAfter: Self.partialStaleAfter,
            usageWindow: window)
    }

    /// Removes every revision an update or rollback of modeld replaced whose
    /// `keep_previous` is over (never one in use, leased or being checked, never a blob a
    /// kept snapshot links): what an update leaves behind goes by itself. Snapshots other
    /// programs put in the store are theirs: only `cleanup` offers them.
    func collectReplacedRevisions() async {
        let plan: CleanupPlan
        let replaced: Set<String>
        do {
            plan = try await self.plan(targetFreeBytes: .max)
            let config = await keeper.config
            replaced = Set(try await ledger.replacedRevisions().compactMap { entry in
                config.model(entry.model).map { $0.repo + "@" + entry.commit }
            })
        } catch {
            logger.warning("replaced revisions could not be looked for: \(error)")
            return
        }
        for candidate in plan.candidates where candidate.kind == .oldRevision {
            guard let repo = candidate.repo, let commit = candidate.commit, replaced.contains(repo + "@" + commit) else { continue }
            do {
                let freed = try await remove(candidate)
                logger.notice(
                    "removed the replaced revision \(candidate.commit?.prefix(12) ?? "?") of \(candidate.repo ?? "?"): \(ByteSize.format(freed)) freed ([updates] keep_previous is over)",
                    metadata: ["commit": "\(candidate.commit ?? "")"])
            } catch {
                logger.warning("the replaced revision \(candidate.commit?.prefix(12) ?? "?") stays: \(error.message)")
            }
        }
    }

    /// `keep` / `unkeep`, kept in the ledger across restarts: written there first, so a
    /// pin the daemon acts on is one a restart keeps.
    func setPinned(_ id: String, _ pinned: Bool) async throws(ProtocolError) -> KeepResult {
        let model = try await keeper.pinTarget(id, pinned)
        do {
            // The config's own pin needs no record (and must not outlive `keep = false`).
            try await ledger.setPinned(model.id, pinned && !model.keep)
        } catch {
            throw ProtocolError(.internal, "the pin could not be recorded: \(error)", hint: "journalctl -u modeld shows more")
        }
        let result = await keeper.applyPin(model, pinned && !model.keep)
        logger.notice("\(model.id): \(result.pinned ? "pinned against cleanup" : "no longer pinned")", metadata: ["model": "\(model.id)"])
        return result
    }

    /// What an operator could run to free space, for `disk.low` and `health`.
    func suggestions() async -> [Recommendation] {
        guard let plan = try? await plan(targetFreeBytes: nil) else { return [] }
        var suggestions: [Recommendation] = []
        let leftovers = plan.candidates.filter { $0.kind != .model }
        if !leftovers.isEmpty {
            let partial = leftovers.count { $0.kind == .partialFile }
            let old = leftovers.count - partial
            let what = [partial > 0 ? "\(partial) stale partial download\(partial == 1 ? "" : "s")" : nil,
                        old > 0 ? "\(old) replaced revision\(old == 1 ? "" : "s")" : nil].compactMap { $0 }
            suggestions.append(Recommendation(
                command: "modelctl cleanup", why: "removes " + what.joined(separator: " and "),
                freesBytes: leftovers.reduce(0) { $0 + $1.bytes }))
        }
        for candidate in plan.candidates where candidate.kind == .model {
            guard let model = candidate.model else { continue }
            suggestions.append(Recommendation(command: "modelctl evict \(model)", why: candidate.reason, freesBytes: candidate.bytes))
        }
        return suggestions
    }

    /// Models no generation used for `[usage] unused_after` (or ever), with what evicting
    /// each frees: `health` offers them even when space is not low.
    /// A model never used but downloaded within that window is new, not unused.
    func unusedModels() async -> [Recommendation] {
        let unusedAfter = await keeper.config.usage.unusedAfter.seconds
        guard let plan = try? await plan(targetFreeBytes: .max),
            let fetchedLately = try? await ledger.modelsDownloaded(since: Date().addingTimeInterval(-unusedAfter))
        else { return [] }
        return plan.candidates.compactMap { candidate in
            guard candidate.kind == .model, let model = candidate.model, candidate.bytes > 0,
                candidate.lastUsed.map({ Date().timeIntervalSince($0) >= unusedAfter }) ?? !fetchedLately.contains(model)
            else { return nil }
            return Recommendation(command: "modelctl evict \(model)", why: "\(model): \(candidate.reason)", freesBytes: candidate.bytes)
        }
    }

    /// The repos with a download queued, running or paused: their partial files are resumed, not stale.
    private func repositoriesDownloading() async -> Set<String> {
        var repos = Set<String>()
        for model in await keeper.config.models where await downloads.hasJob(model.id) { repos.insert(model.repo) }
        return repos
    }

    /// Removes one candidate, looking again at what may have changed since the plan; the
    /// bytes it freed.
    private func remove(_ candidate: CleanupCandidate) async throws(ProtocolError) -> Int64 {
        switch candidate.kind {
        case .model:
            guard let model = candidate.model else { return 0 }
            return try await evictor.evict(model, sparingPinned: true).freedBytes
        case .partialFile, .oldRevision:
            let downloading = await repositoriesDownloading()
            let busy = await keeper.commitsInUse().busyRepos
            if let repo = candidate.repo ?? candidate.paths.first.flatMap(repository(of:)), downloading.contains(repo) || busy.contains(repo) {
                throw ProtocolError(.conflict, "a download or check of \(repo) began since the plan", hint: "run modelctl cleanup again")
            }
            // A snapshot folder goes by itself with its last link (`Store.remove`).
            let paths = candidate.paths.filter { !FileStat.isDirectory($0) }
            let outcome = try? await io.run { [store] () -> (removed: [String], error: SystemError?) in
                var removed: [String] = []
                for path in paths {
                    do throws(SystemError) {
                        try store.remove(path)
                        removed.append(path)
                    } catch {
                        return (removed, error)
                    }
                }
                return (removed, nil)
            }
            let removed = outcome ?? ([], SystemError("the daemon is stopping", errno: ECANCELED))
            // Only what is gone leaves the ledger.
            for path in removed.removed {
                try? await ledger.forget(path)
                try? await ledger.forgetJournal(at: path)
            }
            if let error = removed.error {
                throw ProtocolError(.internal, "could not remove it: \(error)", hint: "check the permissions of \(store.layout.root)")
            }
            return candidate.bytes
        }
    }

    /// `<root>/models--org--name/blobs/…` → `org/name`.
    private func repository(of path: String) -> String? {
        guard path.hasPrefix(store.layout.root + "/") else { return nil }
        let folder = path.dropFirst(store.layout.root.count + 1).prefix { $0 != "/" }
        guard folder.hasPrefix("models--") else { return nil }
        return folder.dropFirst("models--".count).replacingOccurrences(of: "--", with: "/")
    }
}
