import Foundation
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol
import ServiceLifecycle

/// The download queue (STORE.md, Transfers; PROTOCOL.md `pull` … `limit`): which files
/// run, in priority order, `concurrent_files` at a time; pause, resume, cancel, limits;
/// the queue kept in the ledger so a restart goes on where it was. Each file is fetched
/// by a ``FileFetcher`` task; its end comes back here. Progress goes to the Keeper,
/// which owns the model's state, a few times a second.
///
/// An actor method may be re-entered at every `await`: no job is copied across one.
/// `jobs[id]` is read again afterwards, and a job's `generation` tells a file task of a
/// cancelled or restarted download from one of the current.
actor Downloader: Service {
    private let keeper: Keeper
    private let events: EventBus
    private let ledger: Ledger
    private let engine: CurlMultiEngine
    private let fetcher: FileFetcher
    private let planner: DownloadPlanner
    private let linker: StableLinker
    private let logger: Logger

    private var jobs: [String: DownloadJob] = [:]
    private var running: [FileKey: RunningFile] = [:]
    /// Models whose pull is being planned (a manifest fetch, a disk check): a second pull
    /// waits for the first.
    private var planning: Set<String> = []
    private var nextPosition: Int64 = 0
    private var nextGeneration = 0
    /// Per-model limits set with `limit`.
    private var modelLimits: [String: Int64] = [:]
    private var appliedGlobalLimit: Int64?
    /// The daemon is stopping: nothing new starts, and what stops is not a failure.
    private var stopping = false

    private struct FileKey: Hashable {
        var model: String
        var path: String
    }

    private struct RunningFile {
        var generation: Int
        var task: Task<Void, Never>
        var progress: FileProgress
    }

    init(
        keeper: Keeper, events: EventBus, ledger: Ledger, engine: CurlMultiEngine, fetcher: FileFetcher, planner: DownloadPlanner,
        linker: StableLinker, logger: Logger
    ) {
        self.keeper = keeper
        self.events = events
        self.ledger = ledger
        self.engine = engine
        self.fetcher = fetcher
        self.planner = planner
        self.linker = linker
        self.logger = logger
    }

    // MARK: - The service

    func run() async throws {
        await applyGlobalLimit()
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.restoreQueue() }
                // Progress and limits, twice a second, until the daemon stops.
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(500))
                    await self.tick()
                }
            }
        }
        stopping = true
        // Every file task ends with its journal written; none starts after this.
        while let file = running.values.first {
            file.task.cancel()
            await file.task.value
        }
        await fetcher.indexer.close()
        engine.shutdown()
    }

    private func tick() async {
        await applyGlobalLimit()
        for id in jobs.keys where isRunning(id) { await publish(id) }
    }

    /// Models that were queued when the daemon stopped are queued again, as they were.
    private func restoreQueue() async {
        let queued: [QueuedDownload]
        do {
            queued = try await ledger.queuedDownloads()
        } catch {
            logger.error("the download queue could not be read from the ledger: \(error)")
            return
        }
        nextPosition = max(nextPosition, (queued.map(\.position).max() ?? -1) + 1)
        for entry in queued {
            while await keeper.isBeingChecked(entry.model), !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
            }
            if Task.isCancelled { return }
            do {
                _ = try await pull(entry.model, priority: entry.priority)
                if entry.paused { _ = try await pause(entry.model) }
                logger.info("\(entry.model): download queued again after restart", metadata: ["model": "\(entry.model)"])
            } catch where error.code == .unknownModel {
                try? await ledger.forgetQueued(entry.model)
            } catch {
                // Kept in the ledger: the next start tries again; `pull` does now.
                logger.warning(
                    "\(entry.model): not queued again after restart: \(error.message); modelctl pull \(entry.model) tries again",
                    metadata: ["model": "\(entry.model)"])
            }
        }
    }

    // MARK: - Commands

    /// Queues what is missing or damaged. A model already queued is resumed (and takes
    /// the new priority); a failed one starts again.
    func pull(_ id: String, priority: Priority?) async throws(ProtocolError) -> PullResult {
        while planning.contains(id) { try? await Task.sleep(for: .milliseconds(50)) }
        if jobs[id] != nil, jobs[id]?.failure == nil {
            if let priority { jobs[id]?.priority = priority }
            jobs[id]?.paused = false
            jobs[id]?.pausedFor = nil
            jobs[id]?.pauseError = nil
            return try await queued(id)
        }
        planning.insert(id)
        defer { planning.remove(id) }
        let model = try await keeper.catalogModel(id)
        if await keeper.isEvicting(id) {
            throw ProtocolError(.conflict, "\(id) is being evicted", hint: "pull it again once the eviction is done")
        }
        let config = await keeper.config
        guard !config.hub.offline else {
            throw ProtocolError(
                .network, "HF_HUB_OFFLINE (or [hub] offline) forbids downloads",
                hint: "unset HF_HUB_OFFLINE (or set [hub] offline = false), then modelctl reload")
        }
        let plan = try await planner.plan(model, config: config)
        if plan.files.isEmpty {
            jobs[id] = nil  // A failed job whose files turned out good.
            await linker.pointIfVerified(model, commit: plan.manifest.commit)
            await keeper.downloadChanged(id, nil)
            return PullResult(
                model: id, state: await keeper.state(of: id), files: 0, bytesNeeded: 0, priority: priority ?? model.priority,
                queuePosition: 0)
        }
        try await planner.checkSpace(for: model, needed: plan.diskBytes, config: config)
        nextGeneration += 1
        let job = DownloadJob(
            model: model, manifest: plan.manifest, priority: priority ?? model.priority, position: nextPosition,
            generation: nextGeneration, pending: plan.files, planned: plan.planned, repairing: plan.repairs == plan.files.count)
        nextPosition += 1
        jobs[id] = job
        await publish(id)  // `queued`, before any file starts
        logger.notice(
            "\(id): \(job.repairing ? "repair" : "download") of \(plan.files.count) file\(plan.files.count == 1 ? "" : "s") queued (\(ByteSize.format(job.bytesTotal)))",
            metadata: ["model": "\(id)"])
        return try await queued(id)
    }

    /// `pause`: running files stop (a download's written bytes are journaled; a repair
    /// starts again from the blob), nothing new starts.
    func pause(_ id: String) async throws(ProtocolError) -> String {
        guard jobs[id] != nil, jobs[id]?.failure == nil else { throw nothingQueued(id, verb: "pause") }
        jobs[id]?.paused = true
        jobs[id]?.pausedFor = nil
        stopFiles(of: id)
        await persist(id)
        await publish(id)
        return id
    }

    func resume(_ id: String) async throws(ProtocolError) -> String {
        guard jobs[id] != nil else { throw nothingQueued(id, verb: "resume") }
        _ = try await pull(id, priority: nil)
        return id
    }

    /// `cancel`: the download ends; verified files stay; partial data goes only with `discard`.
    func cancel(_ id: String, discard: Bool) async throws(ProtocolError) -> String {
        guard let job = jobs.removeValue(forKey: id) else { throw nothingQueued(id, verb: "cancel") }
        let tasks = running.filter { $0.key.model == id }.map(\.value.task)
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        try? await ledger.forgetQueued(id)
        if discard {
            for file in job.manifest.files {
                await fetcher.discard(fetcher.store.layout.partial(job.manifest.repo, file.digest))
            }
        }
        if jobs[id] == nil { await keeper.downloadChanged(id, nil) }
        logger.notice("\(id): download cancelled\(discard ? "; partial data dropped" : "")", metadata: ["model": "\(id)"])
        await scheduleNow()
        return id
    }

    /// The model's place in the queue (1: served first), nil when it has no download
    /// under way.
    func queuePosition(of id: String) -> Int? {
        let order = jobs.values.filter { $0.failure == nil }.sorted(by: DownloadJob.servedBefore)
        return order.firstIndex { $0.model.id == id }.map { $0 + 1 }
    }

    /// Whether the model has a download or repair queued, running, paused or failed.
    func hasJob(_ id: String) -> Bool { jobs[id] != nil }

    /// The models with a download that has not failed (for `all: true`).
    func queuedModels() -> [String] {
        jobs.values.filter { $0.failure == nil }.sorted(by: DownloadJob.servedBefore).map(\.model.id)
    }

    /// `first: true` puts the model ahead of every other: it becomes `critical` (so it may
    /// pause a `low` download) and first among the critical ones.
    func setPriority(_ id: String, level: Priority?, first: Bool) async throws(ProtocolError) -> QueueResult {
        guard jobs[id] != nil else { throw nothingQueued(id, verb: "reorder") }
        if first {
            jobs[id]?.priority = .critical
            // Computed first: `jobs[id]?.x = f(jobs)` reads `jobs` while writing it (a crash).
            let position = (jobs.values.map(\.position).min() ?? 0) - 1
            jobs[id]?.position = position
        } else if let level {
            jobs[id]?.priority = level
        }
        await persist(id)
        await scheduleNow()
        return QueueResult(queue: jobs.values.sorted(by: DownloadJob.servedBefore).map {
            .init(model: $0.model.id, priority: $0.priority, paused: $0.paused)
        })
    }

    /// `limit`: global, or one model's; running transfers slow down or speed up at once.
    func setLimit(_ bytesPerSecond: Int64, model: String?) async -> LimitResult {
        if let model {
            modelLimits[model] = bytesPerSecond == 0 ? nil : bytesPerSecond
            engine.setLimit(bytesPerSecond, group: model)
        } else {
            await keeper.setGlobalLimit(bytesPerSecond)
            await applyGlobalLimit()
        }
        return LimitResult(bytesPerSecond: appliedGlobalLimit ?? 0, models: modelLimits)
    }

    // MARK: - Scheduling

    /// Starts files, most urgent model first, while slots are free; a critical model
    /// waiting for a slot pauses a low-priority one, which goes on once no critical work
    /// is left. A job with nothing left to fetch is finished.
    private func scheduleNow() async {
        let slots = await keeper.config.downloads.concurrentFiles
        guard !stopping else { return }
        let critical = jobs.values.contains { $0.priority == .critical && ($0.isRunnable || isRunning($0.model.id)) }
        for id in jobs.keys where jobs[id]?.pausedFor != nil && !critical {
            jobs[id]?.paused = false
            jobs[id]?.pausedFor = nil
            logger.info("\(id): going on, no critical download waits any more", metadata: ["model": "\(id)"])
            await persist(id)
        }
        for job in jobs.values.sorted(by: DownloadJob.servedBefore) where job.isRunnable {
            let id = job.model.id
            while running.count < slots,
                let index = jobs[id]?.pending.firstIndex(where: { running[FileKey(model: id, path: $0.path)] == nil })
            {
                guard let file = jobs[id]?.pending.remove(at: index) else { break }
                start(file, of: id)
            }
        }
        let order = jobs.values.filter(\.isRunnable).sorted(by: DownloadJob.servedBefore)
        if let urgent = order.first(where: { $0.priority == .critical }), running.count >= slots,
            let victim = Set(running.keys.map(\.model)).first(where: { jobs[$0]?.priority == .low })
        {
            jobs[victim]?.paused = true
            jobs[victim]?.pausedFor = urgent.model.id
            logger.notice("\(victim): paused for the critical download of \(urgent.model.id)", metadata: ["model": "\(victim)"])
            stopFiles(of: victim)
            await persist(victim)
        }
        for (id, job) in jobs where job.pending.isEmpty && !isRunning(id) && job.failure == nil && !job.paused {
            await finish(id)
        }
        for id in jobs.keys { await publish(id) }
    }

    private func start(_ file: ManifestFile, of id: String) {
        guard let job = jobs[id] else { return }
        let progress = FileProgress(planned: job.planned[file.path] ?? file.size)
        let generation = job.generation
        let keeper = keeper, fetcher = fetcher
        let task = Task {
            // A verification under way could report a file as it was before this fetch.
            while await keeper.isBeingChecked(id), !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
            }
            let config = await keeper.config
            let fetchJob = FileFetcher.Job(
                model: job.model, manifest: job.manifest, settings: config.downloads,
                servers: [config.hub.endpoint] + config.hub.mirrors, token: config.token?.value,
                onRetry: { file, attempt, max, delay, error in
                    await self.retried(id, generation: generation, file: file, attempt: attempt, max: max, delay: delay, error: error)
                })
            let result: Result<FileFetcher.Fetched, DownloadFailure>
            do throws(DownloadFailure) {
                if Task.isCancelled { throw .stopped }
                result = .success(try await fetcher.fetch(file, job: fetchJob, progress: progress))
            } catch {
                result = .failure(error)
            }
            await self.fileEnded(id, file, generation: generation, result, progress: progress)
        }
        running[FileKey(model: id, path: file.path)] = RunningFile(generation: generation, task: task, progress: progress)
    }

    private func fileEnded(
        _ id: String, _ file: ManifestFile, generation: Int, _ result: Result<FileFetcher.Fetched, DownloadFailure>, progress: FileProgress
    ) async {
        let key = FileKey(model: id, path: file.path)
        if running[key]?.generation == generation { running[key] = nil }
        // A cancelled or restarted download: its file tasks' ends concern nobody.
        guard jobs[id]?.generation == generation else { return await scheduleNow() }
        switch result {
        case .success(let fetched):
            jobs[id]?.bytesFinished += progress.planned
            switch fetched {
            case .alreadyThere:
                break
            case .downloaded(let bytes):
                jobs[id]?.fetchedFinished += bytes
            case .repaired(let bytes):
                jobs[id]?.fetchedFinished += bytes
                logger.notice("\(id): \(file.path) repaired with \(ByteSize.format(bytes)) fetched", metadata: ["model": "\(id)", "file": "\(file.path)"])
                events.publish(Event(.repairDone(model: id, file: file.path, bytesFetched: bytes)))
            }
            await keeper.record(.verified(.full), for: file.path, of: id, source: .verify)
        case .failure(.stopped):
            jobs[id]?.pending.insert(file, at: 0)
        case .failure where stopping:
            jobs[id]?.pending.insert(file, at: 0)  // A failure of the shutdown itself (a pool closed).
        case .failure(.noSpace(let error)):
            jobs[id]?.pending.insert(file, at: 0)
            if jobs[id]?.pauseError == nil {
                logger.error("\(id): paused: \(error.message)", metadata: ["model": "\(id)", "file": "\(file.path)"])
            }
            jobs[id]?.paused = true
            jobs[id]?.pauseError = error
            stopFiles(of: id)
            await persist(id)
        case .failure(.failed(let error)):
            jobs[id]?.pending.insert(file, at: 0)
            guard jobs[id]?.failure == nil else { break }
            jobs[id]?.failure = error
            stopFiles(of: id)
            logger.error("\(id): download failed: \(error.message)", metadata: ["model": "\(id)", "file": "\(file.path)"])
            events.publish(Event(.downloadFailed(model: id, error: error)))
            try? await ledger.forgetQueued(id)
        }
        await scheduleNow()
    }

    /// Every file is in: each is checked once more (a stat against the ledger: one file
    /// could have been removed or changed meanwhile), then the model's path points at it.
    private func finish(_ id: String) async {
        guard let job = jobs.removeValue(forKey: id) else { return }
        try? await ledger.forgetQueued(id)
        await keeper.downloadChanged(id, DownloadRecord(
            phase: .verifying, repairing: job.repairing, priority: job.priority, bytesDone: job.bytesTotal, bytesTotal: job.bytesTotal,
            retries: job.retries))
        for file in job.manifest.files {
            let condition = await fetcher.verifier.check(file, of: job.manifest, depth: .changed)
            await keeper.record(condition, for: file.path, of: id, source: .verify)
        }
        await linker.pointIfVerified(job.model, commit: job.manifest.commit)
        if jobs[id] == nil { await keeper.downloadChanged(id, nil) }
        logger.notice(
            "\(id): \(job.repairing ? "repaired" : "downloaded"), \(ByteSize.format(job.fetchedFinished)) fetched, \(job.retries) retries",
            metadata: ["model": "\(id)"])
        events.publish(Event(.downloadDone(model: id, bytesFetched: job.fetchedFinished, retries: job.retries)))
    }

    private func retried(_ id: String, generation: Int, file: String, attempt: Int, max: Int, delay: TimeSpan, error: String) async {
        guard jobs[id]?.generation == generation else { return }
        jobs[id]?.retries += 1
        logger.warning("\(id): retry \(attempt)/\(max) of \(file) in \(delay): \(error)", metadata: ["model": "\(id)", "file": "\(file)"])
        events.publish(Event(.downloadRetry(model: id, file: file, attempt: attempt, max: max, delaySeconds: delay.seconds, error: error)))
        await publish(id)
    }

    // MARK: - Helpers

    private func isRunning(_ id: String) -> Bool { running.keys.contains { $0.model == id } }

    private func stopFiles(of id: String) {
        for (key, file) in running where key.model == id { file.task.cancel() }
    }

    /// The model's download as the Keeper shows it.
    private func publish(_ id: String) async {
        let endpoint = await keeper.config.hub.endpoint
        guard let job = jobs[id] else { return }
        let active = running.filter { $0.key.model == id }.map(\.value.progress)
        let fetched = job.fetchedFinished + active.reduce(0) { $0 + $1.fetched }
        let done = job.bytesFinished + active.reduce(0) { $0 + $1.fetched }
        let now = Self.origin.duration(to: .now).inSeconds
        jobs[id]?.meter.record(totalBytes: fetched, now: now)
        let meter = jobs[id]?.meter ?? job.meter
        let phase: DownloadRecord.Phase =
            job.failure != nil ? .failed : job.paused ? .paused : active.isEmpty ? .queued : .running
        let error = job.failure ?? job.pauseError
        await keeper.downloadChanged(id, DownloadRecord(
            phase: phase, repairing: job.repairing, priority: job.priority, pausedFor: job.pausedFor, bytesDone: done,
            bytesTotal: job.bytesTotal, speed: phase == .running ? meter.bytesPerSecond(now: now) : 0,
            eta: phase == .running ? meter.etaSeconds(remaining: job.bytesTotal - done, now: now) : nil,
            retries: job.retries, lastError: error,
            steps: error.map { DownloadFailure.steps(for: $0, model: job.model, endpoint: endpoint) },
            limit: modelLimits[id]))
    }

    private static let origin = ContinuousClock.now

    private func applyGlobalLimit() async {
        let configured = await keeper.config.downloads.bytesPerSecond.bytes
        let limit = await keeper.globalLimit ?? configured
        guard limit != appliedGlobalLimit else { return }
        engine.setLimit(limit)
        appliedGlobalLimit = limit
    }

    private func persist(_ id: String) async {
        guard let job = jobs[id] else { return }
        do {
            try await ledger.record(QueuedDownload(model: id, priority: job.priority, paused: job.paused, position: job.position))
        } catch {
            logger.error("the download queue could not be saved: \(error)")
        }
    }

    /// The job queued: saved, scheduled, and its place in the queue.
    private func queued(_ id: String) async throws(ProtocolError) -> PullResult {
        await persist(id)
        await scheduleNow()
        let state = await keeper.state(of: id)
        guard let job = jobs[id] else {
            // Finished already (every file was good after all).
            return PullResult(model: id, state: state, files: 0, bytesNeeded: 0, priority: .normal, queuePosition: 0)
        }
        return PullResult(
            model: id, state: state, files: job.planned.count, bytesNeeded: job.bytesTotal - job.bytesFinished, priority: job.priority,
            queuePosition: queuePosition(of: id) ?? 1)
    }

    private func nothingQueued(_ id: String, verb: String) -> ProtocolError {
        ProtocolError(.conflict, "\(id) has no download to \(verb)", hint: "modelctl pull \(id) starts one; modelctl status shows the queue")
    }
}
