import Foundation
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol

/// Watches each model's generations against its baseline (`PerformanceJudge`) after
/// every recorded use: a figure that got worse is published once as `health.degraded`,
/// with the suggestion for its likely cause, and `health.recovered` when it is back.
/// `health` shows what is degraded now.
actor PerformanceWatch {
    private let ledger: Ledger
    private let keeper: Keeper
    private let resources: ResourceMonitor
    private let events: EventBus
    private let logger: Logger
    /// Model → metric → what is degraded now.
    private var degraded: [String: [String: Degradation]] = [:]
    /// Each model's samples as of its last check, read from the ledger once.
    private var histories: [String: PerformanceHistory] = [:]

    /// Uses kept per model: the baseline's (the earliest kept) and the recent window's.
    static let earliestUses = 200
    static let latestUses = 50

    init(ledger: Ledger, keeper: Keeper, resources: ResourceMonitor, events: EventBus, logger: Logger) {
        self.ledger = ledger
        self.keeper = keeper
        self.resources = resources
        self.events = events
        self.logger = logger
    }

    /// What is degraded now, by model.
    var current: [String: [Degradation]] {
        degraded.mapValues { $0.values.sorted { $0.metric < $1.metric } }
    }

    /// What is degraded now, by model, each explained by the model's condition now: a
    /// repair, a verification or an update since its last generation changes the likely
    /// cause and its remedy, not whether the figure is degraded (nothing is published).
    func currentExplained() async -> [String: [Degradation]] {
        var explained: [String: [Degradation]] = [:]
        for (model, figures) in current {
            let now = await self.figures(of: model)
            explained[model] = figures.map { old in now?.first { $0.metric == old.metric } ?? old }
        }
        return explained
    }

    /// Every figure of `model` from its samples and condition now; nil when the ledger
    /// could not be read.
    private func figures(of model: String) async -> [Degradation]? {
        var condition = await keeper.performanceCondition(of: model) ?? ModelCondition()
        condition.diskLow = await resources.current().disk.contains(where: \.low)
        let history: PerformanceHistory
        do {
            condition.previousCommit = try await ledger.switches(of: model).first?.previous
            history = try await self.history(of: model)
        } catch {
            logger.warning("the performance of \(model) could not be checked: \(error)", metadata: ["model": "\(model)"])
            return nil
        }
        return PerformanceJudge.figures(model: model, samples: history.samples, condition: condition)
    }

    /// The model's samples: read from the ledger the first time, then kept.
    private func history(of model: String) async throws -> PerformanceHistory {
        if let kept = histories[model] { return kept }
        let samples = try await ledger.performanceHistory(of: model, earliest: Self.earliestUses, latest: Self.latestUses).map(\.performance)
        let history = PerformanceHistory(samples, earliestLimit: Self.earliestUses, latestLimit: Self.latestUses)
        histories[model] = history
        return history
    }

    /// A use of `model` was recorded: it joins the kept samples (once they were read, the
    /// ledger's copy is not read again), then the model is judged.
    func recorded(_ use: PerformanceSample, of model: String) async {
        histories[model]?.append(use)
        await check(model)
    }

    /// Old rows were pruned: the earliest samples are others now.
    func forgetHistories() {
        histories = [:]
    }

    /// Judges `model` again and tells what changed.
    func check(_ model: String) async {
        let config = await keeper.config
        guard let figures = await figures(of: model) else { return }
        let factor = config.usage.degradedFactor
        let now = Dictionary(
            figures.filter { $0.isDegraded(factor: factor) }.map { ($0.metric, $0) }, uniquingKeysWith: { first, _ in first })
        let before = degraded[model] ?? [:]
        for (metric, found) in now.sorted(by: { $0.key < $1.key }) where before[metric] == nil {
            logger.warning(
                "\(model): \(found.suggestion.why); try \(found.suggestion.command)", metadata: ["model": "\(model)", "metric": "\(metric)"])
            events.publish(Event(.health(
                .degraded, model: model, metric: metric, baseline: found.baseline, current: found.current,
                suggestion: Recommendation(command: found.suggestion.command, why: found.suggestion.why))))
        }
        for (metric, gone) in before.sorted(by: { $0.key < $1.key }) where now[metric] == nil {
            let latest = figures.first { $0.metric == metric }
            logger.notice("\(model): \(metric) is back to normal", metadata: ["model": "\(model)", "metric": "\(metric)"])
            events.publish(Event(.health(
                .recovered, model: model, metric: metric, baseline: latest?.baseline ?? gone.baseline,
                current: latest?.current ?? gone.baseline,
                suggestion: Recommendation(command: "modelctl usage \(model)", why: "\(metric) is back within \(factor)× its baseline"))))
        }
        degraded[model] = now.isEmpty ? nil : now
    }
}
