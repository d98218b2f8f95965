import ModeldCore
import ModeldProtocol

/// `health`: one score, each model's part in it, the storage, and what to do next.
struct HealthCheck: Sendable {
    let keeper: Keeper
    let resources: ResourceMonitor
    let cleaner: Cleaner

    /// How much a store under `warn_below` takes off the score.
    static let lowDiskPenalty = 10

    func report() async -> HealthResult {
        let current = await resources.current()
        let status: StatusResult
        do {
            status = try await keeper.status(of: nil, freeBytes: nil, gpuMemoryGB: resources.gpuMemoryGB)
        } catch {
            // Only an unknown model id throws, and none is given.
            return HealthResult(score: 0, models: [], storage: current.disk, recommendations: [])
        }
        let catalog = await keeper.config.models
        let models = status.models.map {
            HealthResult.ModelHealth(model: $0.model, state: $0.state.rawValue, integrity: $0.integrity, pinned: $0.pinned)
        }
        // The models that should be here: any with files, and any the policy fetches.
        let expected = status.models.filter { model in
            (model.presentBytes ?? 0) > 0 || catalog.contains { $0.id == model.model && $0.autoDownload }
        }
        let shares = expected.map { $0.ready ? 1 : ($0.integrity ?? 0) }
        var score = shares.isEmpty ? 100 : Int((100 * shares.reduce(0, +) / Double(shares.count)).rounded())
        var recommendations = status.models.flatMap { model in
            model.actions.map { Recommendation(command: $0.command, why: "\(model.model): \($0.why)") }
        }
        if current.disk.contains(where: \.low) {
            score = max(0, score - Self.lowDiskPenalty)
            recommendations += await cleaner.suggestions()
        }
        return HealthResult(score: score, models: models, storage: current.disk, recommendations: recommendations)
    }
}
