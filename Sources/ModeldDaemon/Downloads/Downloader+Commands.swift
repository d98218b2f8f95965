import ModeldCore
import ModeldProtocol

/// The commands of PROTOCOL.md that act on the queue: each turns into one event for the
/// ``DownloadQueue`` and the actions it answers.
extension Downloader {
    /// Queues what is missing or damaged. A model already queued is resumed (and takes
    /// the new priority); a failed one is planned again.
    func pull(_ id: String, priority: Priority?) async throws(ProtocolError) -> PullResult {
        await untilPlanned(id)
        if let job = queue.jobs[id], job.failure == nil {
            await perform(queue.resume(id, priority: priority))
            return await queued(id)
        }
        planning[id] = []
        defer { planned(id) }
        // The Keeper knows a plan is being made, so damage a check finds meanwhile (after
        // the plan read the files' conditions) is repaired after this download, not taken
        // for its own.
        await keeper.downloadPlanning(id, began: true)
        do {
            return try await planAndQueue(id, priority: priority)
        } catch {
            await keeper.downloadPlanning(id, began: false)
            throw error
        }
    }

    private func planAndQueue(_ id: String, priority: Priority?) async throws(ProtocolError) -> PullResult {
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
        let plan: DownloadPlanner.Plan
        do {
            plan = try await planner.plan(model, config: config)
        } catch {
            await planFailed(model, error, priority: priority ?? model.priority, endpoint: config.hub.endpoint)
            throw error
        }
        if plan.files.isEmpty {
            // A failed job whose files turned out good.
            if queue.jobs[id] != nil { await perform(queue.cancel(id, discard: false)) }
            await linker.pointIfVerified(model, commit: plan.manifest.commit)
            await keeper.downloadChanged(id, nil)
            return PullResult(
                model: id, state: await keeper.state(of: id), files: 0, bytesNeeded: 0, priority: priority ?? model.priority,
                queuePosition: 0)
        }
        try await planner.checkSpace(for: model, needed: plan.diskBytes, config: config)
        let job = Queue.Job(
            model: model, manifest: plan.manifest, priority: priority ?? model.priority, pending: plan.files, planned: plan.planned,
            repairing: plan.repairs == plan.files.count)
        logger.notice(
            "\(id): \(job.repairing ? "repair" : "download") of \(plan.files.count) file\(plan.files.count == 1 ? "" : "s") queued (\(ByteSize.format(job.bytesTotal)))",
            metadata: ["model": "\(id)"])
        // `queued` before any transfer starts (a second pull of the model waits meanwhile).
        await keeper.downloadChanged(id, DownloadRecord(
            phase: .queued, repairing: job.repairing, priority: job.priority, bytesDone: 0, bytesTotal: job.bytesTotal))
        await perform(queue.enqueue(job))
        return await queued(id)
    }

    /// The manifest could not be had (gated, not found, the hub unreachable after its
    /// retries): the model is `failed` with the error and the steps, as PROTOCOL.md says,
    /// not left `missing` as if nothing had been asked. The next pull plans again.
    private func planFailed(_ model: CatalogModel, _ error: ProtocolError, priority: Priority, endpoint: String) async {
        guard [.gated, .notFound, .hubError, .network].contains(error.code), queue.jobs[model.id] == nil else { return }
        logger.error("\(model.id): download failed: \(error.message)", metadata: ["model": "\(model.id)"])
        await keeper.downloadChanged(model.id, DownloadRecord(
            phase: .failed, repairing: false, priority: priority, bytesDone: 0, bytesTotal: 0, lastError: error,
            steps: DownloadFailure.steps(for: error, model: model, endpoint: endpoint)))
        events.publish(Event(.downloadFailed(model: model.id, error: error)))
    }

    /// `pause`: transfers no other model waits for stop (a download's written bytes are
    /// journaled; a repair starts again from the blob), nothing new starts.
    func pause(_ id: String) async throws(ProtocolError) -> String {
        guard let job = queue.jobs[id], job.failure == nil else { throw nothingQueued(id, verb: "pause") }
        await perform(queue.pause(id))
        return id
    }

    func resume(_ id: String) async throws(ProtocolError) -> String {
        guard queue.jobs[id] != nil else { throw nothingQueued(id, verb: "resume") }
        _ = try await pull(id, priority: nil)
        return id
    }

    /// `cancel`: the download ends; verified files stay; partial data goes only with
    /// `discard`, and only that of blobs no other model's download needs. Answers once
    /// the transfers it stopped have ended and that data is gone.
    func cancel(_ id: String, discard: Bool) async throws(ProtocolError) -> String {
        guard let job = queue.jobs[id] else { throw nothingQueued(id, verb: "cancel") }
        await perform(queue.cancel(id, discard: discard))
        for blob in Set(job.manifest.files.map(job.manifest.blob)).sorted() {
            while queue.isSettling(blob), let entry = running[blob] { await entry.task.value }
        }
        logger.notice("\(id): download cancelled\(discard ? "; partial data no other download needs dropped" : "")", metadata: ["model": "\(id)"])
        return id
    }

    /// The model's place in the queue (1: served first), nil when it has no download
    /// under way.
    func queuePosition(of id: String) -> Int? { queue.position(of: id) }

    /// Whether the model has a download or repair queued, running, paused or failed.
    func hasJob(_ id: String) -> Bool { queue.jobs[id] != nil }

    /// The models with a download that has not failed (for `all: true`).
    func queuedModels() -> [String] { queue.order.map(\.id) }

    /// `first: true` puts the model ahead of every other: it becomes `critical` (so it may
    /// pause a `low` download) and first among the critical ones.
    func setPriority(_ id: String, level: Priority?, first: Bool) async throws(ProtocolError) -> QueueResult {
        guard queue.jobs[id] != nil else { throw nothingQueued(id, verb: "reorder") }
        await perform(queue.reprioritize(id, level: level, first: first))
        return QueueResult(queue: queue.jobs.values.sorted(by: Queue.Job.servedBefore).map {
            .init(model: $0.id, priority: $0.priority, paused: $0.paused)
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

    /// A reload took `config`: downloads of models gone from the catalog end, those whose
    /// entry names other files are planned again, `concurrent_files` applies.
    func configChanged(_ config: ModeldConfig) async {
        let slots = config.downloads.concurrentFiles
        fetcher.fitPools(to: slots)
        await perform(queue.catalogChanged(to: config.models, slots: slots))
    }

    // MARK: - Helpers

    /// Returns once no pull of the model is being planned.
    private func untilPlanned(_ id: String) async {
        while planning[id] != nil {
            await withCheckedContinuation { planning[id, default: []].append($0) }
        }
    }

    private func planned(_ id: String) {
        for waiter in planning.removeValue(forKey: id) ?? [] { waiter.resume() }
    }

    /// The job queued: its place in the queue.
    private func queued(_ id: String) async -> PullResult {
        let state = await keeper.state(of: id)
        guard let job = queue.jobs[id] else {
            // Finished already (every file was good after all).
            return PullResult(model: id, state: state, files: 0, bytesNeeded: 0, priority: .normal, queuePosition: 0)
        }
        return PullResult(
            model: id, state: state, files: job.planned.count, bytesNeeded: job.bytesTotal - job.bytesFinished, priority: job.priority,
            queuePosition: queue.position(of: id) ?? 1)
    }

    private func nothingQueued(_ id: String, verb: String) -> ProtocolError {
        ProtocolError(.conflict, "\(id) has no download to \(verb)", hint: "modelctl pull \(id) starts one; modelctl status shows the queue")
    }
}
