import Foundation
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol
import NIOCore

/// Answers the question a generation service asks before every job (PROTOCOL.md,
/// `acquire`): ready, with the leased snapshot's path and a lease; or what to do instead. It may start what
/// the policy allows (a download, a repair, an early check of a change), and with
/// `wait_s` it answers the moment the model is ready. Also `release`, `report` and
/// `suggest`, which share its view of the catalog.
struct Acquirer: Sendable {
    let keeper: Keeper
    let downloads: Downloader
    let verifications: VerificationQueue
    /// Every use and request goes into the usage analytics.
    let usage: UsageRecorder
    /// The GPU memory here, when a job does not say (`needs.vram_gb`).
    let resources: ResourceMonitor
    /// Where the leased snapshots and the stable links are.
    let store: Store
    /// Hears how each generation ended: an update whose generations fail is undone.
    let updater: Updater
    let logger: Logger

    /// How long even an answer "at once" may wait for the check of a change the watcher
    /// saw: a stat is milliseconds, a re-read of a changed chunk seconds.
    static let quickCheckBudget: Duration = .seconds(5)
    /// The longest `wait_s` honoured (a week): a bound on how long a request can hold a
    /// connection.
    static let longestWait = 7 * 86_400.0

    func acquire(
        _ arguments: AcquireArguments, connection: UInt64?, hangUp: EventLoopFuture<Void>? = nil
    ) async throws(ProtocolError) -> AcquireResult {
        let asked = ContinuousClock.now
        let result = try await answer(arguments, connection: connection, hangUp: hangUp)
        // What a request got, and how long it waited: mock fallbacks and preload advice come from these.
        await usage.recordRequest(RequestRecord(
            model: result.model, kind: .acquire, waitedSeconds: (ContinuousClock.now - asked).inSeconds,
            strategy: result.ready ? "ready" : result.strategy?.rawValue))
        return result
    }

    private func answer(
        _ arguments: AcquireArguments, connection: UInt64?, hangUp: EventLoopFuture<Void>?
    ) async throws(ProtocolError) -> AcquireResult {
        let waitSeconds = arguments.waitSeconds ?? 0
        guard waitSeconds.isFinite, waitSeconds >= 0 else {
            throw ProtocolError(.badRequest, "wait_s must be a number of seconds, 0 or more", hint: "e.g. \"wait_s\": 600")
        }
        // The common case, a ready model, costs one visit to the Keeper.
        if let lease = await keeper.leaseIfReady(arguments.model, connection: connection) { return ready(lease) }
        let model = try await keeper.catalogModel(arguments.model)
        let begun = ContinuousClock.now
        let deadline = begun + .seconds(min(waitSeconds, Self.longestWait))
        var started: AvailabilityPolicy.Action?
        var refused: ProtocolError?
        while true {
            let (token, news) = await keeper.newsFeed(about: model.id)
            if let lease = await keeper.leaseIfReady(model.id, connection: connection) {
                await keeper.endNewsFeed(token)
                return ready(lease)
            }
            let now = await keeper.availability(of: model.id)
            // One action per call, except that a check of a change may find damage to repair.
            if started == nil || started == .recheck, refused == nil,
                let action = AvailabilityPolicy.actionOnDemand(
                    state: now.state, hasVerifiedFiles: now.hasVerifiedFiles, changePending: !now.pendingChecks.isEmpty,
                    permissions: await keeper.permissions(for: model.id)),
                action != started
            {
                do {
                    if try await start(action, for: model.id, pending: now.pendingChecks) { started = action }
                } catch {
                    refused = error
                }
            }
            guard let answer = await notReady(model, needs: arguments.needs, started: started, refused: refused) else {
                // It became ready after the lease was asked for: ask again.
                await keeper.endNewsFeed(token)
                continue
            }
            // A change being checked gets its quick check even when the caller would not wait.
            let limit = started == .recheck ? max(deadline, begun + Self.quickCheckBudget) : deadline
            // A cancelled request (the daemon stopping) ends here: the wait would return at once, forever.
            guard answer.waitingHelps, ContinuousClock.now < limit, !Task.isCancelled else {
                await keeper.endNewsFeed(token)
                return answer.result
            }
            let clientLeft = await Self.wait(for: news, until: limit, hangUp: hangUp)
            await keeper.endNewsFeed(token)
            // Nobody to answer: no lease for it, and its waiter goes now, not at `wait_s`.
            if clientLeft { return answer.result }
        }
    }

    private func ready(_ lease: Lease) -> AcquireResult {
        logger.debug("\(lease.model): leased (\(lease.id))", metadata: ["model": "\(lease.model)"])
        // The snapshot, not the stable link: an update switches the link, while a job keeps
        // reading the commit it was leased.
        return .ready(
            model: lease.model, path: store.layout.snapshot(lease.repo, lease.commit), link: store.stableLink(model: lease.model),
            commit: lease.commit, lease: lease.id)
    }

    /// `suggest`: every alternative, ready or not, best first.
    func suggest(_ arguments: SuggestArguments) async throws(ProtocolError) -> SuggestResult {
        let model = try await keeper.catalogModel(arguments.model)
        await usage.recordRequest(RequestRecord(model: model.id, kind: .suggest))
        let needs = arguments.needs ?? Needs()
        let (alternatives, setup) = await advice(for: model, needs: needs)
        return SuggestResult(model: model.id, vramGB: needs.vramGB ?? resources.gpuMemoryGB, alternatives: alternatives, setup: setup)
    }

    // MARK: - Leases and usage

    func release(_ request: Request, peer: Int32?) async throws(ProtocolError) -> ReleaseResult {
        // Checked first: a refused release leaves the lease in force and stores nothing.
        let arguments = try request.arguments(ReleaseArguments.self)
        try UsageFigures.checkString(arguments.lease, named: "lease")
        if let duration = arguments.durationSeconds { try UsageFigures.checkDuration(duration) }
        let figures = try ReportedFigures(try UsageFigures.extra(in: request, besides: ReleaseArguments.fixedFields))
        guard let lease = await keeper.endLease(arguments.lease) else {
            throw ProtocolError(
                .badRequest, "no lease '\(arguments.lease)' is in force",
                hint: "a lease ends with release or when the connection that acquired it closes; acquire again")
        }
        await recordUse(
            model: lease.model, commit: lease.commit, at: lease.since, success: arguments.success,
            duration: arguments.durationSeconds ?? lease.heldSeconds, source: .release, figures: figures, peer: peer, leaseEnded: true)
        return ReleaseResult(lease: lease.id, model: lease.model, heldSeconds: lease.heldSeconds)
    }

    /// The connection closed: the leases it held end, each counted as a use whose
    /// outcome is unknown.
    func connectionClosed(_ connection: UInt64) async {
        for lease in await keeper.endLeases(heldBy: connection) {
            await recordUse(
                model: lease.model, commit: lease.commit, at: lease.since, success: nil, duration: lease.heldSeconds, source: .disconnect,
                leaseEnded: true)
        }
    }

    func report(_ request: Request, peer: Int32?) async throws(ProtocolError) -> ReportResult {
        let arguments = try request.arguments(ReportArguments.self)
        // Checked before the catalog is asked: its answer would quote the name.
        try UsageFigures.checkString(arguments.model, named: "model")
        try UsageFigures.checkDuration(arguments.durationSeconds)
        let figures = try ReportedFigures(try UsageFigures.extra(in: request, besides: ReportArguments.fixedFields))
        let model = try await keeper.catalogModel(arguments.model)
        let commit = await keeper.integrity(of: model.id)?.manifest.commit
        let recorded = await recordUse(
            model: model.id, commit: commit, at: Date(), success: arguments.success, duration: arguments.durationSeconds,
            source: .report, figures: figures, peer: peer, leaseEnded: false)
        return ReportResult(model: model.id, recorded: recorded)
    }

    /// Whether the ledger took it.
    @discardableResult
    private func recordUse(
        model: String, commit: String?, at date: Date, success: Bool?, duration: Double, source: UsageRecord.Source,
        figures: ReportedFigures? = nil, peer: Int32? = nil, leaseEnded: Bool
    ) async -> Bool {
        let recorded = await usage.recordUse(
            UsageRecord(
                model: model, commit: commit, at: date, durationSeconds: duration, success: success, source: source,
                resolution: figures?.resolution, secondsPerStep: figures?.secondsPerStep, frames: figures?.frames,
                loadSeconds: figures?.loadSeconds, metrics: Self.text(of: figures?.rest ?? [:])),
            gpu: figures?.gpu, peer: peer, leaseEnded: leaseEnded)
        await updater.generationEnded(model, commit: commit, success: success)
        return recorded
    }

    /// The figures as the ledger keeps them: a JSON object, or nil when there are none.
    private static func text(of figures: [String: JSONValue]) -> String? {
        // Checked scalars always encode; `try?` only spares the callers a throw that cannot happen.
        figures.isEmpty ? nil : (try? WireCodec.encoder.encode(figures)).map { String(decoding: $0, as: UTF8.self) }
    }

    // MARK: - Not ready

    private struct NotReady {
        var result: AcquireResult
        var waitingHelps: Bool
    }

    /// The answer for a model that is not ready; nil if, by this look, it is.
    private func notReady(
        _ model: CatalogModel, needs: Needs?, started: AvailabilityPolicy.Action?, refused: ProtocolError?
    ) async -> NotReady? {
        let now = await keeper.availability(of: model.id)
        if now.state == .available, now.pendingChecks.isEmpty { return nil }
        let needs = needs ?? Needs()
        let (alternatives, setup) = await advice(for: model, needs: needs)
        let failure = refused ?? (now.download?.phase == .failed || now.download?.phase == .paused ? now.download?.lastError : nil)
        let eta = now.download?.phase == .running ? now.download?.eta : nil
        let position = await downloads.queuePosition(of: model.id)
        let advice = AcquireAdvisor.advice(.init(
            model: model.id, state: now.state, reason: now.reason, started: started, etaSeconds: eta, queuePosition: position,
            failure: failure.map { .init(message: $0.message, hint: $0.hint) }, alternatives: alternatives, setup: setup,
            task: needs.task ?? (model.tasks.count == 1 ? model.tasks[0] : nil),
            checking: now.checking || !now.pendingChecks.isEmpty, fetchComing: now.fetchComing,
            fits: (needs.vramGB ?? resources.gpuMemoryGB).map { (model.fits(vramGB: $0) == true, model.minVRAMGB, $0) }))
        return NotReady(
            result: .notReady(
                model: model.id, state: now.state, advice: advice, etaSeconds: eta, queuePosition: position,
                alternatives: alternatives, setup: setup),
            waitingHelps: advice.waitingHelps)
    }

    /// The ranked alternatives, and set-up advice when no model at all is ready.
    private func advice(for model: CatalogModel, needs: Needs) async -> ([Alternative], SetupAdvice?) {
        let catalog = await keeper.config.models
        let ready = await keeper.readyModels()
        let gpu = resources.gpuMemoryGB
        let alternatives = FallbackAdvisor.alternatives(to: model, needs: needs, catalog: catalog, ready: ready, gpuVRAMGB: gpu)
        return (alternatives, ready.isEmpty ? FallbackAdvisor.setup(catalog: catalog, needs: needs, gpuVRAMGB: gpu) : nil)
    }

    /// Starts `action`; false when there turned out to be nothing to do.
    private func start(_ action: AvailabilityPolicy.Action, for id: String, pending: PendingChecks) async throws(ProtocolError) -> Bool {
        switch action {
        case .pull, .repair:
            let queued = try await downloads.pull(id, priority: nil)
            guard queued.queuePosition > 0 else { return false }
            logger.notice(
                "\(id): \(action == .repair ? "repair" : "download") started for acquire (\(queued.files) file\(queued.files == 1 ? "" : "s"))", metadata: ["model": "\(id)"])
        case .recheck:
            let scope: VerificationQueue.Scope = pending.whole != nil ? .wholeModel(deep: false) : .files(Set(pending.files.keys))
            verifications.enqueue(.init(model: id, scope: scope, source: .watch), first: true)
        }
        return true
    }

    /// Returns when `news` ticks, at `limit`, or when the client hangs up (then true),
    /// whichever is first.
    private static func wait(for news: AsyncStream<Void>, until limit: ContinuousClock.Instant, hangUp: EventLoopFuture<Void>?) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in news { return false }
                return false
            }
            group.addTask {
                try? await Task.sleep(until: limit, clock: .continuous)
                return false
            }
            if let hangUp {
                // A future's `get()` ignores cancellation; a stream it finishes does not.
                let (closed, finish) = AsyncStream.makeStream(of: Void.self)
                hangUp.whenComplete { _ in finish.finish() }
                group.addTask {
                    for await _ in closed {}
                    return !Task.isCancelled
                }
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
