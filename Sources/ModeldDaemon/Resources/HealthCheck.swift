import Foundation
import ModeldCore
import ModeldLinux
import ModeldProtocol

/// `health`: one score, each model's part in it, the storage, what got slower, and what
/// to do next: repairs, the remedy for each degraded figure, models unused for
/// `[usage] unused_after` that could be freed, models asked for that are not here.
struct HealthCheck: Sendable {
    let keeper: Keeper
    let resources: ResourceMonitor
    let cleaner: Cleaner
    let watch: PerformanceWatch
    let ledger: Ledger

    /// How much a store under `warn_below` takes off the score.
    static let lowDiskPenalty = 10
    /// How much each degraded figure takes off the score.
    static let degradedPenalty = 5
    /// How far back requests count for preload advice.
    static let askedWithinDays = 30

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
        let preloads = await preloads(status.models)
        // A model asked for has its pull once, with how often it was asked for.
        let preloaded = Set(preloads.map(\.command))
        var recommendations = status.models.flatMap { model in
            model.actions.filter { !preloaded.contains($0.command) }.map { Recommendation(command: $0.command, why: "\(model.model): \($0.why)") }
        }
        let degraded = await watch.currentExplained().sorted { $0.key < $1.key }.flatMap { model, figures in
            figures.map {
                HealthResult.Degraded(
                    model: model, metric: $0.metric, baseline: $0.baseline, current: $0.current, cause: $0.cause.rawValue,
                    suggestion: Recommendation(command: $0.suggestion.command, why: "\(model): \($0.suggestion.why)"))
            }
        }
        score = max(0, score - Self.degradedPenalty * degraded.count)
        recommendations += degraded.map(\.suggestion)
        if current.disk.contains(where: \.low) {
            score = max(0, score - Self.lowDiskPenalty)
            recommendations += await cleaner.suggestions()
        } else {
            recommendations += await cleaner.unusedModels()
        }
        recommendations += preloads
        return HealthResult(score: score, models: models, storage: current.disk, recommendations: recommendations, degraded: degraded)
    }

    /// Models that are asked for (`acquire`, `suggest`) but have no files here, most asked first.
    private func preloads(_ models: [ModelStatus]) async -> [Recommendation] {
        let absent = Set(models.filter { ($0.presentBytes ?? 0) == 0 && $0.download == nil }.map(\.model))
        guard !absent.isEmpty else { return [] }
        let first = UsageDay.firstDay(ofLast: Self.askedWithinDays)
        guard let days = try? await ledger.usageDays(from: first) else { return [] }
        var asked: [String: (requests: Int, mock: Int)] = [:]
        for day in days where absent.contains(day.model) {
            asked[day.model, default: (0, 0)].requests += day.acquires + day.suggests
            asked[day.model, default: (0, 0)].mock += day.mockFallbacks
        }
        return asked.filter { $0.value.requests > 0 }.sorted { ($1.value.requests, $0.key) < ($0.value.requests, $1.key) }.map { model, count in
            let mock = count.mock > 0 ? ", \(count.mock) of them fell back to mock output" : ""
            return Recommendation(
                command: "modelctl pull \(model)",
                why: "\(model) was asked for \(count.requests) time\(count.requests == 1 ? "" : "s") in \(Self.askedWithinDays) days but is not here\(mock)")
        }
    }
}
