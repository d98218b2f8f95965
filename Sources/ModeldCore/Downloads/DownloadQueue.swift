/// The download queue's rules, with no I/O (in the manner of async-http-client's
/// `HTTPRequestStateMachine`): it owns the jobs (one per model) and the transfers under
/// way, keyed by blob, and answers every event — a command, a transfer's end, the
/// daemon's stop — with the actions its owner carries out, in order.
///
/// Rules: jobs are served by priority, then first pulled; `slots` transfers run at once;
/// a critical job waiting for a slot pauses a low-priority one, which goes on once no
/// critical work is left; a job with nothing left is finished. A blob two jobs need is
/// one transfer that both wait for; it stops only when no job waits for it any more, and
/// its partial data goes (`cancel --discard`) only when no other job needs it.
public struct DownloadQueue<Failure: Error & Sendable & Equatable>: Sendable {
    public typealias Job = QueuedJob<Failure>
    public typealias Action = QueueAction<Failure>

    public internal(set) var jobs: [String: Job] = [:]
    public internal(set) var transfers: [BlobKey: BlobTransfer] = [:]
    /// Blobs whose partial data is being removed: none starts until that is done.
    public internal(set) var discarding: Set<BlobKey> = []
    /// How many transfers may run at once (`[downloads] concurrent_files`).
    public internal(set) var slots: Int
    /// The daemon is stopping: nothing starts, and what ends is not a failure.
    public internal(set) var stopping = false
    var nextPosition: Int64 = 0

    public init(slots: Int) { self.slots = max(1, slots) }

    // MARK: - Questions

    /// Jobs that have not failed, in serving order.
    public var order: [Job] { jobs.values.filter { $0.failure == nil }.sorted(by: Job.servedBefore) }

    /// The model's place in the queue (1: served first), nil with no download under way.
    public func position(of id: String) -> Int? { order.firstIndex { $0.id == id }.map { $0 + 1 } }

    /// Whether a transfer under way fetches something for the model.
    public func isWaiting(_ id: String) -> Bool { transfers.values.contains { $0.waiters[id] != nil } }

    /// The blobs the model waits for, each with the bytes it still needs of it: its share
    /// of the transfers' progress.
    public func awaited(by id: String) -> [(blob: BlobKey, remaining: Int64)] {
        guard let job = jobs[id] else { return [] }
        return transfers.values.sorted { $0.blob < $1.blob }.compactMap { transfer in
            transfer.waiters[id].map { files in (transfer.blob, files.reduce(0) { $0 + job.remaining($1) }) }
        }
    }

    /// Whether the blob's task is one that is ending (stopped, or removing partial data):
    /// what `cancel` waits for before it answers.
    public func isSettling(_ blob: BlobKey) -> Bool { discarding.contains(blob) || transfers[blob]?.stopping == true }

    // MARK: - Commands

    /// A new job (the planner's work is done); a failed job of the model is replaced, and
    /// lets go of the transfers it still waited for (one that fails is held until its task
    /// ends): the new job asks for its files afresh, so none is counted twice.
    public mutating func enqueue(_ job: Job) -> [Action] {
        let released = jobs[job.id] == nil ? [] : detach(job.id)
        var job = job
        job.position = nextPosition
        nextPosition += 1
        jobs[job.id] = job
        return released + [.persist(model: job.id)] + schedule()
    }

    /// `pull` of a model already queued, or `resume`: it goes on, with a new priority if one is given.
    public mutating func resume(_ id: String, priority: Priority?) -> [Action] {
        guard jobs[id] != nil else { return [] }
        if let priority { jobs[id]?.priority = priority }
        jobs[id]?.paused = false
        jobs[id]?.pausedFor = nil
        jobs[id]?.pauseError = nil
        return [.persist(model: id)] + schedule()
    }

    /// Nothing new starts for the model; transfers nobody else waits for stop.
    public mutating func pause(_ id: String) -> [Action] {
        guard jobs[id] != nil else { return [] }
        jobs[id]?.paused = true
        jobs[id]?.pausedFor = nil
        return hold(id) + [.persist(model: id)] + schedule()
    }

    /// The job ends; transfers nobody else waits for stop. With `discard`, the partial data
    /// of blobs no other job needs goes too, once their transfers have ended.
    public mutating func cancel(_ id: String, discard: Bool) -> [Action] {
        guard let job = jobs[id] else { return [] }
        var actions = detach(id)
        jobs[id] = nil
        actions += [.forget(model: id), .ended(model: id)]
        if discard {
            for blob in Set(job.manifest.files.map(job.manifest.blob)).sorted() where !jobs.values.contains(where: { $0.manifest.needs(blob) }) {
                if transfers[blob] != nil {
                    transfers[blob]?.discardWhenEnded = true
                } else if discarding.insert(blob).inserted {
                    actions.append(.discard(blob))
                }
            }
        }
        return actions + schedule()
    }

    /// `priority`: a new level, or `first` — critical, and ahead of every other job.
    public mutating func reprioritize(_ id: String, level: Priority?, first: Bool) -> [Action] {
        guard jobs[id] != nil else { return [] }
        if first {
            let position = (jobs.values.map(\.position).min() ?? 0) - 1
            jobs[id]?.priority = .critical
            jobs[id]?.position = position
        } else if let level {
            jobs[id]?.priority = level
        }
        return [.persist(model: id)] + schedule()
    }

    /// A reload: a job whose model left the catalog ends (its partial data stays); one
    /// whose entry now names other files (repo, revision, include, exclude) ends and is
    /// pulled again, with its priority, once the new entry is checked.
    public mutating func catalogChanged(to catalog: [CatalogModel], slots: Int) -> [Action] {
        self.slots = max(1, slots)
        let entries = Dictionary(catalog.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var actions: [Action] = []
        for job in jobs.values.sorted(by: Job.servedBefore) {
            guard let entry = entries[job.id] else {
                actions += end(job.id)
                continue
            }
            guard !entry.namesSameFiles(as: job.model) else { continue }
            actions += end(job.id) + [.pullAgain(model: job.id, priority: job.priority)]
        }
        return actions + schedule()
    }

    /// The daemon stops: every transfer is stopped and nothing starts again.
    public mutating func stop() -> [Action] {
        stopping = true
        return transfers.keys.sorted().flatMap { stopTransfer($0) }
    }

    /// Positions saved before a restart run up to `position`: new pulls come after them.
    public mutating func numberAfter(_ position: Int64) { nextPosition = max(nextPosition, position + 1) }

    /// Progress of the model's bytes, for its speed and time left.
    public mutating func measure(_ id: String, fetched: Int64, now: Double) -> SpeedMeter? {
        jobs[id]?.meter.record(totalBytes: fetched, now: now)
        return jobs[id]?.meter
    }

    // MARK: - Helpers

    /// The job ends without its partial data going.
    private mutating func end(_ id: String) -> [Action] {
        let actions = detach(id)
        jobs[id] = nil
        return actions + [.forget(model: id), .ended(model: id)]
    }

    /// The model, leaving the queue, stops waiting for its transfers; a transfer nobody
    /// waits for any more is stopped.
    private mutating func detach(_ id: String) -> [Action] {
        var actions: [Action] = []
        for blob in transfers.keys.sorted() where transfers[blob]?.waiters.removeValue(forKey: id) != nil {
            if transfers[blob]?.waiters.isEmpty == true { actions += stopTransfer(blob) }
        }
        return actions
    }

    /// The model, pausing or failing, takes nothing more from its transfers. One only it
    /// waits for is stopped with the model still waiting, so the bytes it wrote count for
    /// the model when it has ended; from one others wait for, the model's files come back
    /// to its pending ones at once.
    mutating func hold(_ id: String) -> [Action] {
        var actions: [Action] = []
        for blob in transfers.keys.sorted() {
            guard let transfer = transfers[blob], let files = transfer.waiters[id] else { continue }
            if transfer.waitingModels == [id] {
                actions += stopTransfer(blob)
            } else {
                transfers[blob]?.waiters[id] = nil
                jobs[id]?.pending.insert(contentsOf: files, at: 0)
            }
        }
        return actions
    }

    private mutating func stopTransfer(_ blob: BlobKey) -> [Action] {
        guard transfers[blob]?.stopping == false else { return [] }
        transfers[blob]?.stopping = true
        return [.stop(blob)]
    }
}

extension CatalogModel {
    /// Whether `other` names the same files: same repository, revision and filters.
    public func namesSameFiles(as other: CatalogModel) -> Bool {
        (repo, revision, include, exclude) == (other.repo, other.revision, other.include, other.exclude)
    }
}
