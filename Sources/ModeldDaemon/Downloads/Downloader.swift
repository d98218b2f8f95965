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
    private var nextPosition: Int64 = 0
    /// Per-model limits set with `limit`.
    private var modelLimits: [String: Int64] = [:]
    private var appliedGlobalLimit: Int64?

    private struct FileKey: Hashable {
        var model: String
        var path: String
    }

    private struct RunningFile {
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
            await self.restoreQueue()
            // Progress and limits, twice a second, until the daemon stops.
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                await self.tick()
            }
        }
        let tasks = running.values.map(\.task)
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
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
        nextPosition = (queued.map(\.position).max() ?? -1) + 1
        for entry in queued {
            while await keeper.isBeingChecked(entry.model), !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
            }
            do {
                _ = try await pull(entry.model, priority: entry.priority)
                if entry.paused { _ = try pause(entry.model) }
                logger.info("\(entry.model): download queued again after restart", metadata: ["model": "\(entry.model)"])
            } catch {
                logger.warning("\(entry.model): not queued again after restart: \(error)", metadata: ["model": "\(entry.model)"])
                try? await ledger.forgetQueued(entry.model)
            }
        }
    }

    // MARK: - Commands

    /// Queues what is missing or damaged. A model already queued is resumed (and takes
    /// the new priority); a failed one starts again.
    func pull(_ id: String, priority: Priority?) async throws(ProtocolError) -> PullResult {
        let model = try await keeper.catalogModel(id)
        let config = await keeper.config
        if var job = jobs[id], job.failure == nil {
            job.priority = priority ?? job.priority
            job.paused = false
            job.pausedFor = nil
            job.pauseError = nil
            jobs[id] = job
            return try await queued(job)
        }
        guard !config.hub.offline else {
            throw ProtocolError(
                .network, "HF_HUB_OFFLINE (or [hub] offline) forbids downloads",
                hint: "unset HF_HUB_OFFLINE (or set [hub] offline = false), then modelctl reload")
        }
        let plan = try await planner.plan(model, config: config)
        if plan.files.isEmpty {
            await linker.pointIfVerified(model, commit: plan.manifest.commit)
            return PullResult(
                model: id, state: await keeper.state(of: id), files: 0, bytesNeeded: 0, priority: priority ?? model.priority,
                queuePosition: 0)
        }
        try await planner.checkSpace(for: model, needed: plan.diskBytes, config: config)
        let job = DownloadJob(
            model: model, manifest: plan.manifest, priority: priority ?? model.priority, position: nextPosition, pending: plan.files,
            planned: plan.planned, repairing: plan.repairs == plan.files.count)
        nextPosition += 1
        jobs[id] = job
        logger.notice(
            "\(id): \(job.repairing ? "repair" : "download") of \(plan.files.count) file\(plan.files.count == 1 ? "" : "s") queued (\(ByteSize.format(job.bytesTotal)))",
            metadata: ["model": "\(id)"])
        return try await queued(job)
    }

    /// `pause`: running files stop (what they wrote is journaled), nothing new starts.
    func pause(_ id: String) throws(ProtocolError) -> String {
        guard var job = jobs[id], job.failure == nil else { throw nothingQueued(id, verb: "pause") }
        job.paused = true
        job.pausedFor = nil
        jobs[id] = job
        stopFiles(of: id)
        persist(job)
        Task { await publish(id) }
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
                await fetcher.discard(PartialBlob.path(for: fetcher.store.layout.blob(job.manifest.repo, file.digest)))
            }
        }
        await keeper.downloadChanged(id, nil)
        logger.notice("\(id): download cancelled\(discard ? "; partial data dropped" : "")", metadata: ["model": "\(id)"])
        schedule()
        return id
    }

    /// The models with a download (for `all: true`).
    func queuedModels() -> [String] {
        jobs.values.sorted(by: DownloadJob.servedBefore).map(\.model.id)
    }

    func setPriority(_ id: String, level: Priority?, first: Bool) throws(ProtocolError) -> QueueResult {
        guard var job = jobs[id] else { throw nothingQueued(id, verb: "reorder") }
        if first {
            job.priority = .critical
            job.position = (jobs.values.map(\.position).min() ?? 0) - 1
        } else if let level {
            job.priority = level
        }
        jobs[id] = job
        persist(job)
        schedule()
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
    /// waiting for a slot pauses a low-priority one.
    private func schedule() {
        Task { await scheduleNow() }
    }

    private func scheduleNow() async {
        let config = await keeper.config
        let slots = config.downloads.concurrentFiles
        let critical = jobs.values.contains { $0.priority == .critical && ($0.isRunnable || isRunning($0.model.id)) }
        for (id, job) in jobs where job.pausedFor != nil && !critical {
            jobs[id]?.paused = false
            jobs[id]?.pausedFor = nil
            logger.info("\(id): going on, no critical download waits any more", metadata: ["model": "\(id)"])
            persist(job)
        }
        let order = jobs.values.filter(\.isRunnable).sorted(by: DownloadJob.servedBefore)
        for job in order {
            while running.count < slots, let file = jobs[job.model.id]?.pending.first {
                jobs[job.model.id]?.pending.removeFirst()
                start(file, of: job.model.id, config: config)
            }
        }
        if let urgent = order.first(where: { $0.priority == .critical && !$0.pending.isEmpty }), running.count >= slots,
            let victim = Set(running.keys.map(\.model)).first(where: { jobs[$0]?.priority == .low })
        {
            jobs[victim]?.paused = true
            jobs[victim]?.pausedFor = urgent.model.id
            logger.notice("\(victim): paused for the critical download of \(urgent.model.id)", metadata: ["model": "\(victim)"])
            stopFiles(of: victim)
        }
        for id in jobs.keys { await publish(id) }
    }

    private func start(_ file: ManifestFile, of id: String, config: ModeldConfig) {
        guard let job = jobs[id] else { return }
        let progress = FileProgress(planned: job.planned[file.path] ?? file.size)
        let fetchJob = FileFetcher.Job(
            model: job.model, manifest: job.manifest, settings: config.downloads, servers: [config.hub.endpoint] + config.hub.mirrors,
            token: config.token?.value,
            onRetry: { [weak self] file, attempt, max, delay, error in
                await self?.retried(id, file: file, attempt: attempt, max: max, delay: delay, error: error)
            })
        let keeper = keeper, fetcher = fetcher
        let task = Task {
            // A verification under way could report a file as it was before this fetch.
            while await keeper.isBeingChecked(id), !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
            }
            let result: Result<FileFetcher.Fetched, DownloadFailure>
            do throws(DownloadFailure) {
                if Task.isCancelled { throw .stopped }
                result = .success(try await fetcher.fetch(file, job: fetchJob, progress: progress))
            } catch {
                result = .failure(error)
            }
            await self.fileEnded(id, file, result, progress: progress)
        }
        running[FileKey(model: id, path: file.path)] = RunningFile(task: task, progress: progress)
    }

    private func fileEnded(_ id: String, _ file: ManifestFile, _ result: Result<FileFetcher.Fetched, DownloadFailure>, progress: FileProgress) async {
        running[FileKey(model: id, path: file.path)] = nil
        guard var job = jobs[id] else { return schedule() }  // Cancelled meanwhile.
        switch result {
        case .success(let fetched):
            job.bytesFinished += progress.planned
            await keeper.record(.verified(.full), for: file.path, of: id, source: .verify)
            switch fetched {
            case .alreadyThere:
                break
            case .downloaded(let bytes):
                job.fetchedFinished += bytes
            case .repaired(let bytes):
                job.fetchedFinished += bytes
                logger.notice("\(id): \(file.path) repaired with \(ByteSize.format(bytes)) fetched", metadata: ["model": "\(id)", "file": "\(file.path)"])
                events.publish(Event(.repairDone(model: id, file: file.path, bytesFetched: bytes)))
            }
        case .failure(.stopped):
            job.pending.insert(file, at: 0)
        case .failure(.noSpace(let error)):
            job.pending.insert(file, at: 0)
            if job.pauseError == nil {
                logger.error("\(id): paused: \(error.message)", metadata: ["model": "\(id)", "file": "\(file.path)"])
            }
            job.paused = true
            job.pauseError = error
            persist(job)
            stopFiles(of: id)
        case .failure(.failed(let error)):
            job.pending.insert(file, at: 0)
            if job.failure == nil {
                logger.error("\(id): download failed: \(error.message)", metadata: ["model": "\(id)", "file": "\(file.path)"])
                events.publish(Event(.downloadFailed(model: id, error: error)))
                try? await ledger.forgetQueued(id)
            }
            job.failure = job.failure ?? error
            stopFiles(of: id)
        }
        jobs[id] = job
        if job.pending.isEmpty, !isRunning(id), job.failure == nil, !job.paused {
            await finish(job)
        }
        schedule()
    }

    private func finish(_ job: DownloadJob) async {
        let id = job.model.id
        jobs[id] = nil
        try? await ledger.forgetQueued(id)
        await linker.pointIfVerified(job.model, commit: job.manifest.commit)
        await keeper.downloadChanged(id, nil)
        logger.notice(
            "\(id): \(job.repairing ? "repaired" : "downloaded"), \(ByteSize.format(job.fetchedFinished)) fetched, \(job.retries) retries",
            metadata: ["model": "\(id)"])
        events.publish(Event(.downloadDone(model: id, bytesFetched: job.fetchedFinished, retries: job.retries)))
    }

    private func retried(_ id: String, file: String, attempt: Int, max: Int, delay: TimeSpan, error: String) async {
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
        guard var job = jobs[id] else { return }
        let active = running.filter { $0.key.model == id }.map(\.value.progress)
        let fetched = job.fetchedFinished + active.reduce(0) { $0 + $1.fetched }
        let done = job.bytesFinished + active.reduce(0) { $0 + $1.fetched }
        let now = Self.now
        job.meter.record(totalBytes: fetched, now: now)
        jobs[id] = job
        let phase: DownloadRecord.Phase =
            job.failure != nil ? .failed : job.paused ? .paused : active.isEmpty ? .queued : .running
        let error = job.failure ?? job.pauseError
        let endpoint = await keeper.config.hub.endpoint
        let speed = phase == .running ? job.meter.bytesPerSecond(now: now) : 0
        await keeper.downloadChanged(id, DownloadRecord(
            phase: phase, repairing: job.repairing, priority: job.priority, bytesDone: done, bytesTotal: job.bytesTotal,
            speed: speed, eta: phase == .running ? job.meter.etaSeconds(remaining: job.bytesTotal - done, now: now) : nil,
            retries: job.retries, lastError: error,
            steps: error.map { DownloadFailure.steps(for: $0, model: job.model, endpoint: endpoint) },
            limit: modelLimits[id]))
    }

    private static let origin = ContinuousClock.now
    private static var now: Double {
        let elapsed = origin.duration(to: .now).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    private func applyGlobalLimit() async {
        let configured = await keeper.config.downloads.bytesPerSecond.bytes
        let limit = await keeper.globalLimit ?? configured
        guard limit != appliedGlobalLimit else { return }
        engine.setLimit(limit)
        appliedGlobalLimit = limit
    }

    private func persist(_ job: DownloadJob) {
        let entry = QueuedDownload(model: job.model.id, priority: job.priority, paused: job.paused, position: job.position)
        let ledger = ledger, logger = logger
        Task {
            do {
                try await ledger.record(entry)
            } catch {
                logger.error("the download queue could not be saved: \(error)")
            }
        }
    }

    /// The job queued: saved, scheduled, and its place in the queue.
    private func queued(_ job: DownloadJob) async throws(ProtocolError) -> PullResult {
        persist(job)
        await scheduleNow()
        let order = jobs.values.filter { $0.failure == nil }.sorted(by: DownloadJob.servedBefore)
        return PullResult(
            model: job.model.id, state: await keeper.state(of: job.model.id), files: job.planned.count,
            bytesNeeded: job.bytesTotal - job.bytesFinished, priority: job.priority,
            queuePosition: (order.firstIndex { $0.model.id == job.model.id } ?? 0) + 1)
    }

    private func nothingQueued(_ id: String, verb: String) -> ProtocolError {
        ProtocolError(.conflict, "\(id) has no download to \(verb)", hint: "modelctl pull \(id) starts one; modelctl status shows the queue")
    }
}
