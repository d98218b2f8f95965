import Foundation
import ModeldCore
import ModeldProtocol

/// Pins, what cleanup weighs for each model, and the low-disk warning.
extension Keeper {
    func restorePins(_ pinned: Set<String>) { pins = pinned }

    func isPinned(_ model: CatalogModel) -> Bool { model.keep || pins.contains(model.id) }

    /// `keep` / `unkeep`. A pin of the config file stays until the file says otherwise:
    /// the ledger holds only the pins set with `keep`.
    func setPinned(_ id: String, _ pinned: Bool) throws(ProtocolError) -> KeepResult {
        let model = try catalogModel(id)
        if !pinned, model.keep {
            throw ProtocolError(
                .conflict, "\(id) is pinned by the config file (keep = true)",
                hint: "set keep = false under its [[model]] in the config file, then modelctl reload")
        }
        if pinned { pins.insert(id) } else { pins.remove(id) }
        return KeepResult(model: id, pinned: isPinned(model))
    }

    /// Each catalog model whose manifest is known, as cleanup weighs it. `lastUsed`
    /// comes from the ledger, by model id.
    func cleanupModels(lastUsed: [String: Date]) -> [CleanupPlan.Model] {
        config.models.compactMap { model in
            guard let record = models[model.id], let integrity = record.integrity else { return nil }
            return CleanupPlan.Model(
                id: model.id, manifest: integrity.manifest, present: integrity.verifiedCount > 0 && !record.evicting,
                pinned: isPinned(model), leased: leases.count(on: model.id) > 0,
                busy: record.download != nil || record.verifying != nil, lastUsed: lastUsed[model.id])
        }
    }

    func noteDiskWarning(_ warning: String?) { diskWarning = warning }
}
