import Foundation
import ModeldCore
import ModeldProtocol

/// Pins, what cleanup weighs for each model, and the low-disk warning.
extension Keeper {
    func restorePins(_ pinned: Set<String>) { pins = pinned }

    func isPinned(_ model: CatalogModel) -> Bool { model.keep || pins.contains(model.id) }

    /// The model a `keep` / `unkeep` is about, checked: a pin of the config file stays
    /// until the file says otherwise (the ledger holds only the pins set with `keep`).
    func pinTarget(_ id: String, _ pinned: Bool) throws(ProtocolError) -> CatalogModel {
        let model = try catalogModel(id)
        if !pinned, model.keep {
            throw ProtocolError(
                .conflict, "\(id) is pinned by the config file (keep = true)",
                hint: "set keep = false under its [[model]] in the config file, then modelctl reload")
        }
        return model
    }

    func applyPin(_ model: CatalogModel, _ pinned: Bool) -> KeepResult {
        if pinned { pins.insert(model.id) } else { pins.remove(model.id) }
        return KeepResult(model: model.id, pinned: isPinned(model))
    }

    /// Each catalog model whose manifest is known, as cleanup weighs it. `lastUsed`
    /// comes from the ledger, by model id.
    func cleanupModels(lastUsed: [String: Date], uses: [String: Int]) -> [CleanupPlan.Model] {
        config.models.compactMap { model in
            guard let record = models[model.id], let integrity = record.integrity else { return nil }
            return CleanupPlan.Model(
                id: model.id, manifest: integrity.manifest, present: integrity.verifiedCount > 0 && !record.evicting,
                pinned: isPinned(model), leased: leases.count(on: model.id) > 0,
                busy: record.download != nil || record.verifying != nil, lastUsed: lastUsed[model.id], uses: uses[model.id] ?? 0)
        }
    }

    /// The commits that must not be called old, per repo: each model's manifest, the
    /// one its path points at, and any a lease holds. A repo with a model downloading or
    /// being checked is all in use: its current commit may be about to change.
    func commitsInUse() -> (commits: [String: Set<String>], busyRepos: Set<String>) {
        var commits: [String: Set<String>] = [:]
        var busy = Set<String>()
        for model in config.models {
            guard let record = models[model.id] else { continue }
            for commit in [record.integrity?.manifest.commit, record.linkedCommit].compactMap({ $0 }) {
                commits[model.repo, default: []].insert(commit)
            }
            for commit in leases.commits(on: model.id) { commits[model.repo, default: []].insert(commit) }
            // The snapshot an update is staging.
            if case .updating = record.update.phase, let latest = record.update.latest { commits[model.repo, default: []].insert(latest) }
            if record.download != nil || record.verifying != nil { busy.insert(model.repo) }
        }
        return (commits, busy)
    }

    func noteDiskWarning(_ warning: String?) { diskWarning = warning }
}
