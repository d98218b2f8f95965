import Foundation
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol
import ServiceLifecycle

/// Writes down every use and request (issue 15), with the machine's state at the time,
/// and answers `usage` from the days' aggregates (which also count the downloads and
/// verifications the Downloader and the VerificationService record).
/// A use also reaches the Keeper's tally (`status`) and the performance watch.
struct UsageRecorder: Service {
    let ledger: Ledger
    let keeper: Keeper
    let resources: ResourceMonitor
    let watch: PerformanceWatch
    /// What `metrics` counts of uses and mock fallbacks.
    let metrics: UsageMetrics
    let logger: Logger

    /// A generation ended: `use` as the client told it; the context is added here.
    /// `gpu` is the GPU the client named, `peer` the reporting process (its own GPU
    /// process is not "another"); `leaseEnded`: its lease was already given back, so it
    /// no longer counts among those held. Whether the ledger took it.
    @discardableResult
    func recordUse(_ use: UsageRecord, gpu: Int? = nil, peer: Int32? = nil, leaseEnded: Bool) async -> Bool {
        var use = use
        use.context = await context(gpu: gpu, peer: peer, running: await keeper.leaseCount + (leaseEnded ? 1 : 0))
        do {
            try await ledger.record(use)
        } catch {
            logger.error("a use of \(use.model) could not be recorded: \(error)", metadata: ["model": "\(use.model)"])
            return false
        }
        await keeper.countUse(of: use.model, at: use.at)
        metrics.countUse(of: use.model, success: use.success, seconds: use.generationSeconds)
        await watch.recorded(use.performance, of: use.model)
        return true
    }

    func recordRequest(_ request: RequestRecord) async {
        if request.sample.isMockFallback { metrics.countMockFallback(of: request.model) }
        do {
            try await ledger.record(request)
        } catch {
            logger.warning("a request for \(request.model) could not be recorded: \(error)", metadata: ["model": "\(request.model)"])
        }
    }

    /// `usage`: the window's days of one model or of every catalog model, summed up.
    func usage(_ arguments: UsageArguments) async throws(ProtocolError) -> UsageResult {
        let window = try UsageArguments.checkDays(arguments.days)
        var chosen: [String]?
        if let id = arguments.model { chosen = [try await keeper.catalogModel(id).id] }
        let today = UsageDay.day(of: Date())
        let days: [UsageDay]
        do {
            days = try await ledger.usageDays(from: UsageDay.firstDay(ofLast: window, endingWith: today), model: chosen?.first)
        } catch {
            throw ProtocolError(.internal, "the usage records could not be read: \(error)", hint: "journalctl -u modeld shows more")
        }
        var models = chosen ?? []
        if chosen == nil { models = await keeper.config.models.map(\.id) }
        return UsageResult(UsageSummary.build(days: days, models: models, window: window, today: today))
    }

    /// The tallies `status` shows, from every stored day.
    func loadTallies() async throws -> [String: UsageTally] {
        Dictionary(grouping: try await ledger.usageDayCounts(), by: \.model).mapValues { UsageTally(days: $0) }
    }

    /// How often raw rows past `[usage] keep_days` are looked for.
    static let pruneEvery: Duration = .seconds(86_400)

    /// Judges every model once (a degradation outlives a restart), then prunes old rows
    /// at start and once a day.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            for model in await keeper.config.models { await watch.check(model.id) }
            while !Task.isCancelled {
                await prune(keepDays: await keeper.config.usage.keepDays)
                try? await Task.sleep(for: Self.pruneEvery)
            }
        }
    }

    /// Raw rows older than `[usage] keep_days` go; their days' aggregates stay.
    private func prune(keepDays: Int) async {
        do {
            let dropped = try await ledger.pruneUsage(before: Date().addingTimeInterval(-Double(keepDays) * 86_400))
            if dropped > 0 {
                logger.info("usage: \(dropped) rows older than \(keepDays) days folded into their days' totals")
                await watch.forgetHistories()
            }
        } catch {
            logger.warning("old usage rows could not be pruned: \(error)")
        }
    }

    /// The GPU the use ran on (the one named, else the fullest), how full it was, and
    /// how many processes other than the reporter's were on it; the leases held.
    private func context(gpu named: Int?, peer: Int32?, running: Int) async -> UsageRecord.Context {
        let concurrent = max(1, running)
        let gpus = await resources.current().gpus ?? []
        func used(_ gpu: GPUReading) -> Double? {
            guard let total = gpu.memoryTotalMiB, total > 0, let used = gpu.memoryUsedMiB else { return nil }
            return Double(used) / Double(total)
        }
        let chosen = named.flatMap { index in gpus.first { $0.index == index } } ?? gpus.max { (used($0) ?? 0) < (used($1) ?? 0) }
        guard let chosen else { return UsageRecord.Context(gpu: named, concurrent: concurrent) }
        return UsageRecord.Context(
            gpu: chosen.index, vramUsedFraction: used(chosen),
            otherGPUProcesses: chosen.processes.count { peer.map(Int.init) != $0.pid }, concurrent: concurrent)
    }
}
