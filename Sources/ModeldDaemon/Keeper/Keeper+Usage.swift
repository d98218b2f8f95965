import Foundation
import ModeldCore

/// What the usage analytics ask of the Keeper: the tallies `status` shows, and the facts
/// a degradation is explained by (the model's files, the generations running).
extension Keeper {
    /// The tallies read from the ledger at start.
    func restoreUsage(_ tallies: [String: UsageTally]) {
        usageTallies = tallies
    }

    /// A use was recorded.
    func countUse(of model: String, at date: Date) {
        usageTallies[model, default: UsageTally()].count(useAt: date)
    }

    /// Leases held now, of every model.
    var leaseCount: Int { leases.count }

    /// The model's files and commit, as `PerformanceJudge` weighs them; nil before its
    /// manifest is known. The caller adds what the Keeper does not know (the commit to
    /// roll back to, the disk).
    func performanceCondition(of model: String) -> ModelCondition? {
        guard let integrity = models[model]?.integrity else { return nil }
        return ModelCondition(
            damagedFiles: integrity.corrupted.count, missingFiles: integrity.missing.count,
            unverifiedFiles: integrity.manifest.files.count - integrity.verifiedCount - integrity.corrupted.count - integrity.missing.count,
            currentCommit: integrity.manifest.commit)
    }
}
