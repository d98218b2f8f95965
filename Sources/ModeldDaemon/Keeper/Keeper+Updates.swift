import Foundation
import ModeldCore
import ModeldProtocol

/// New revisions: what the last check found, the update under way, the switch.
extension Keeper {
    /// A check's answer. Returns true when `update.available` is news: a commit offered
    /// for the first time. A plan priced from a commit the model no longer follows (an
    /// update or a rollback switched it while the check ran) is dropped: it would offer the
    /// commit just switched to; the next check prices the move afresh.
    func updateChecked(_ id: String, latest: String, plan: UpdatePlan?, fits: Bool?, at time: Date = Date()) -> Bool {
        guard var record = models[id] else { return false }
        record.update.latest = latest
        record.update.checked = time
        record.update.plan = plan?.from == record.integrity?.manifest.commit ? plan : nil
        record.update.fits = fits
        let news = record.update.available && record.update.announced != latest
        if news { record.update.announced = latest }
        models[id] = record
        return news
    }

    func updatePhase(_ id: String, _ phase: UpdateRecord.Phase?) {
        models[id]?.update.phase = phase
        if case .failed = phase { models[id]?.update.failures += 1 }
    }

    func updateRecord(of id: String) -> UpdateRecord? { models[id]?.update }

    /// Per model not pinned to a commit: whether a new revision is offered (metrics).
    func updatesAvailable() -> [String: Bool] {
        Dictionary(uniqueKeysWithValues: config.models.filter { !$0.pinsCommit }.map { ($0.id, models[$0.id]?.update.available ?? false) })
    }

    /// Per catalog model, the updates that failed (metrics): 0 for the others, so a first
    /// failure is a counter's increase and not the birth of a series.
    func updateFailures() -> [String: Int] {
        Dictionary(config.models.map { ($0.id, models[$0.id]?.update.failures ?? 0) }) { first, _ in first }
    }

    /// The model now follows `manifest`, whose files were all just verified, and its path
    /// points at its snapshot: one step, so no `acquire` in between finds it unready.
    func switchRevision(_ id: String, to manifest: Manifest, because why: String) {
        update(id, because: why) { record in
            var integrity = ModelIntegrity(manifest: manifest)
            for file in manifest.files { integrity[file.path] = .verified(.full) }
            record.integrity = integrity
            record.manifestProblem = nil
            record.linkedCommit = manifest.commit
            record.update.phase = nil
            if record.update.latest == manifest.commit { record.update.plan = nil }
        }
    }

    /// A rollback left `commit`: it is not offered again until the hub names a newer one.
    func reject(_ commit: String, of id: String) {
        models[id]?.update.rejected.insert(commit)
    }

    /// Whether a generation holds a lease on the model.
    func isLeased(_ id: String) -> Bool { leases.count(on: id) > 0 }
}
