import Foundation
import ModeldCore
import ModeldProtocol

/// What `acquire` needs from the Keeper: readiness with no change pending, leases, and a
/// way to wait for news of a model.
extension Keeper {
    /// What is known of a model when deciding how to answer `acquire`.
    struct Availability: Sendable {
        var state: ModelState
        var reason: String
        var hasVerifiedFiles: Bool
        var pendingChecks: PendingChecks
        var download: DownloadRecord?
        /// Its files are being checked, or were never checked yet.
        var checking: Bool
        /// An automatic download or repair of it is decided and about to be queued.
        var fetchComing: Bool
    }

    func availability(of id: String) -> Availability {
        let record = models[id] ?? ModelRecord()
        return Availability(
            state: record.state, reason: record.reason, hasVerifiedFiles: (record.integrity?.verifiedCount ?? 0) > 0,
            pendingChecks: record.pendingChecks, download: record.download, checking: isBeingChecked(id),
            fetchComing: isFetchComing(id))
    }

    /// The models available now (an `acquire` of one still waits for the check of a
    /// change the watcher saw).
    func readyModels() -> Set<String> {
        Set(models.filter { $0.value.state == .available }.keys)
    }

    /// What `auto_download` and `[verify] auto_repair` allow for the model.
    func permissions(for id: String) -> AvailabilityPolicy.Permissions {
        .init(download: config.model(id)?.autoDownload ?? false, repair: config.verify.autoRepair)
    }

    // MARK: - Changes the watcher saw

    func changeNoticed(in id: String, path: String?) {
        changeCounter += 1
        let stamp = changeCounter
        update(id, because: "a change to its files was seen") { record in
            record.pendingChecks.notice(path, stamp: stamp)
            if record.hasDownload { record.changedOutsideDuringDownload = true }
        }
    }

    /// The stamp a check takes before it reads anything: it settles the changes seen before
    /// (`PendingChecks`), and its verdict counts only if no file was put in place after (`record`).
    func checkTicket() -> UInt64 { changeCounter }

    /// A check of `paths` that began at `ticket` ended.
    func settle(_ paths: Set<String>, of id: String, ticket: UInt64) {
        update(id, because: "changes checked") { $0.pendingChecks.checked(paths, ticket: ticket) }
    }

    // MARK: - Leases

    /// A lease on the model's files if it is ready right now: every file verified, its
    /// path pointing at them, no change pending, nothing being removed.
    func leaseIfReady(_ id: String, connection: UInt64?) -> Lease? {
        guard let record = models[id], record.state == .available, record.pendingChecks.isEmpty,
            let manifest = record.integrity?.manifest
        else { return nil }
        return leases.grant(model: id, repo: manifest.repo, commit: manifest.commit, connection: connection)
    }

    func endLease(_ id: String) -> Lease? { leases.end(id) }

    func endLeases(heldBy connection: UInt64) -> [Lease] { leases.endAll(heldBy: connection) }

    // MARK: - Waiting for news

    /// A stream that ticks when the model's state or its pending checks change. Taken
    /// before looking at the model, so nothing that happens after the look is missed.
    func newsFeed(about id: String) -> (token: UInt64, news: AsyncStream<Void>) {
        let (news, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        nextWaiter += 1
        newsWaiters[nextWaiter] = (id, continuation)
        return (nextWaiter, news)
    }

    func endNewsFeed(_ token: UInt64) {
        newsWaiters.removeValue(forKey: token)?.continuation.finish()
    }

    func wakeWaiters(for id: String) {
        for (_, waiter) in newsWaiters where waiter.model == id { waiter.continuation.yield() }
    }
}

// MARK: - Eviction

extension Keeper {
    /// Marks the model's files as being removed, if nothing holds them: no lease, no
    /// download. Returns its manifest and the others' (for what is shared).
    func beginEviction(_ id: String, sparingPinned: Bool = false) throws(ProtocolError) -> (manifest: Manifest, others: [Manifest]) {
        // Cleanup chose it earlier; a `keep` since then wins.
        if sparingPinned, let model = config.model(id), isPinned(model) {
            throw ProtocolError(.conflict, "\(id) is pinned", hint: "modelctl unkeep \(id) first if it should go")
        }
        let leased = leases.count(on: id)
        guard leased == 0 else {
            throw ProtocolError(
                .conflict, "\(id) is in use: \(leased) lease\(leased == 1 ? "" : "s") held by generation services",
                hint: "evict it once the jobs are done (a lease ends with release or when its connection closes)")
        }
        guard let record = models[id], let manifest = record.integrity?.manifest, !record.evicting else {
            throw ProtocolError(.conflict, "\(id) has no files known to remove yet", hint: "modelctl status \(id) shows why")
        }
        guard record.download == nil else {
            throw ProtocolError(.conflict, "\(id) has a download under way", hint: "modelctl cancel \(id) first, then evict it")
        }
        let others = config.models.filter { $0.id != id }
        // Another model of the same repository whose files are not known yet may need these blobs.
        if let unknown = others.first(where: { $0.repo == manifest.repo && models[$0.id]?.integrity == nil }) {
            throw ProtocolError(
                .conflict, "\(unknown.id) shares \(manifest.repo) and its files are not known yet",
                hint: "wait until modelctl status \(unknown.id) has checked it, then evict \(id)")
        }
        update(id, because: "its files are being removed") { $0.evicting = true }
        return (manifest, others.compactMap { models[$0.id]?.integrity?.manifest })
    }

    /// Whether the model's files are being removed: no download may start meanwhile.
    func isEvicting(_ id: String) -> Bool { models[id]?.evicting ?? false }

    /// The files in `removed` are gone; the others (shared) stay as they were.
    func finishEviction(_ id: String, removed: Set<String>) {
        update(id, because: "evicted") { record in
            for path in removed { record.integrity?[path] = .missing }
            record.linkedCommit = nil
            record.evicting = false
        }
    }
}
