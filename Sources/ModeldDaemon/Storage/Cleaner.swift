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
        do {
            lastUsed = try await ledger.lastUses()
        } catch {
            throw ProtocolError(.internal, "the usage records could not be read: \(error)", hint: "journalctl -u modeld shows more")
        }
        let models = await keeper.cleanupModels(lastUsed: lastUsed)
        var downloading = Set<String>()
        for model in config.models where await downloads.hasJob(model.id) { downloading.insert(model.repo) }
        let owning = downloading
        // A repo with a model whose manifest is not known yet: its current commit is not
        // known either, so none of its snapshots is called old.
        let withManifest = Set(models.map(\.id))
        let settled = Set(config.models.map(\.repo)).filter { repo in
            config.models.allSatisfy { $0.repo != repo || withManifest.contains($0.id) }
        }
        let current = Dictionary(grouping: models.map(\.manifest), by: \.repo).mapValues { Set($0.map(\.commit)) }
        let found = await io.outcome { [store] () throws(SystemError) in
            var old: [CleanupPlan.OldRevision] = []
            var partials: [CleanupPlan.PartialFile] = []
            for repo in settled.sorted() {
                for commit in try store.snapshotCommits(repo: repo).sorted() where current[repo]?.contains(commit) != true {
                    let contents = try store.snapshotContents(repo: repo, commit: commit)
                    old.append(.init(repo: repo, commit: commit, links: contents.links, blobs: contents.blobs))
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
            targetFreeBytes: targetFreeBytes ?? config.disk.warnBelow.bytes, now: Date(), staleAfter: Self.partialStaleAfter)
    }

    /// `keep` / `unkeep`, kept in the ledger across restarts.
    func setPinned(_ id: String, _ pinned: Bool) async throws(ProtocolError) -> KeepResult {
        let result = try await keeper.setPinned(id, pinned)
        do {
            try await ledger.setPinned(result.model, pinned)
        } catch {
            _ = try? await keeper.setPinned(id, !pinned)
            throw ProtocolError(.internal, "the pin could not be recorded: \(error)", hint: "journalctl -u modeld shows more")
        }
        logger.notice("\(result.model): \(pinned ? "pinned against cleanup" : "no longer pinned")", metadata: ["model": "\(result.model)"])
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

    /// Removes one candidate; the bytes it freed.
    private func remove(_ candidate: CleanupCandidate) async throws(ProtocolError) -> Int64 {
        switch candidate.kind {
        case .model:
            guard let model = candidate.model else { return 0 }
            return try await evictor.evict(model).freedBytes
        case .partialFile, .oldRevision:
            // A snapshot folder goes by itself with its last link (`Store.remove`); blobs
            // leave the ledger too.
            let removable = candidate.paths.filter { !FileStat.isDirectory($0) }
            let outcome = await io.outcome { [store] () throws(SystemError) in
                for path in removable { try store.remove(path) }
            }
            for path in removable {
                try? await ledger.forget(path)
                try? await ledger.forgetJournal(at: path)
            }
            if case .failure(let error) = outcome {
                throw ProtocolError(.internal, "could not remove it: \(error)", hint: "check the permissions of \(store.layout.root)")
            }
            return candidate.bytes
        }
    }
}
