import Foundation
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol
import ServiceLifecycle

/// Carries out the download queue (STORE.md, Transfers; PROTOCOL.md `pull` … `limit`).
/// The rules — which blob runs, for which models, in what order — are the pure
/// ``DownloadQueue``'s; this actor feeds it events (commands, a transfer's end, the
/// daemon's stop) and does what it answers: a ``FileFetcher`` task per blob in flight,
/// cancelling tasks, the ledger's queue entries, and the Keeper, which owns each model's
/// state and hears its download's progress a few times a second.
///
/// Actions that only start or cancel tasks are done before any `await`, in the same turn
/// as the queue's decision, so a later event can never stop a transfer that is not started
/// yet (`perform`).
actor Downloader: Service {
    typealias Queue = DownloadQueue<ProtocolError>

    let keeper: Keeper
    let events: EventBus
    let ledger: Ledger
    let engine: CurlMultiEngine
    let fetcher: FileFetcher
    let planner: DownloadPlanner
    let linker: StableLinker
    let logger: Logger

    var queue: Queue
    /// The task of each blob being fetched or having its partial data removed; every task
    /// ends by telling the queue (`transferEnded`, `discarded`).
    var running: [BlobKey: RunningBlob] = [:]
    /// Models whose pull is being planned (a manifest fetch, a disk check), and the pulls
    /// of the same model waiting for it to end.
    var planning: [String: [CheckedContinuation<Void, Never>]] = [:]
    /// Pulls queued again after a reload, each waiting for the check of the model's new entry.
    var replans: [String: (serial: Int, task: Task<Void, Never>)] = [:]
    var nextReplan = 0
    /// Per-model limits set with `limit`.
    var modelLimits: [String: Int64] = [:]
    var appliedGlobalLimit: Int64?

    struct RunningBlob {
        var task: Task<Void, Never>
        /// While fetching (nil while discarding).
        var progress: FileProgress?
    }

    init(
        keeper: Keeper, events: EventBus, ledger: Ledger, engine: CurlMultiEngine, fetcher: FileFetcher, planner: DownloadPlanner,
        linker: StableLinker, slots: Int, logger: Logger
    ) {
        self.keeper = keeper
        self.events = events
        self.ledger = ledger
        self.engine = engine
        self.fetcher = fetcher
        self.planner = planner
        self.linker = linker
        self.logger = logger
        queue = Queue(slots: slots)
    }

    // MARK: - The service

    func run() async throws {
        await applyGlobalLimit()
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.restoreQueue() }
                // Progress and limits are published twice a second until the daemon stops:
                // a publisher's rate (the bytes move on curl's thread), not a poll.
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(500))
                    await self.tick()
                }
            }
        }
        for replan in replans.values { replan.task.cancel() }
        await perform(queue.stop())
        // Every task ends with its journal written; none starts after the queue's stop.
        while let (blob, entry) = running.first {
            await entry.task.value
            if running[blob]?.task == entry.task { running[blob] = nil }
        }
        await fetcher.indexer.close()
        engine.shutdown()
    }

    private func tick() async {
        await applyGlobalLimit()
        for id in queue.jobs.keys.sorted() where queue.isWaiting(id) { await publish(id) }
    }

    /// Models that were queued when the daemon stopped are queued again, as they were,
    /// each once its files have been checked.
    private func restoreQueue() async {
        let queued: [QueuedDownload]
        do {
            queued = try await ledger.queuedDownloads()
        } catch {
            logger.error("the download queue could not be read from the ledger: \(error)")
            return
        }
        queue.numberAfter(queued.map(\.position).max() ?? -1)
        for entry in queued {
            await keeper.waitUntilChecked(entry.model)
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

    // MARK: - Carrying out the queue's actions

    /// Starts and stops tasks first, all before any suspension, then the rest in order.
    func perform(_ actions: [Queue.Action]) async {
        for action in actions {
            switch action {
            case .start(let blob, let file, let model): start(blob, file, for: model)
            case .stop(let blob): running[blob]?.task.cancel()
            case .discard(let blob): discard(blob)
            default: break
            }
        }
        for action in actions { await report(action) }
    }

    private func report(_ action: Queue.Action) async {
        switch action {
        case .start, .stop, .discard:
            break
        case .fileDone(let id, let file, let manifest, let fetched, let repaired):
            await fileDone(file, of: id, manifest: manifest, fetched: fetched, repaired: repaired)
        case .finish(let job):
            await finish(job)
        case .failed(let id, let error):
            logger.error("\(id): download failed: \(error.message)", metadata: ["model": "\(id)"])
            events.publish(Event(.downloadFailed(model: id, error: error)))
        case .pausedOnError(let id, let error):
            logger.error("\(id): paused: \(error.message)", metadata: ["model": "\(id)"])
        case .pausedForCritical(let id, let critical):
            logger.notice("\(id): paused for the critical download of \(critical)", metadata: ["model": "\(id)"])
        case .wentOn(let id):
            logger.info("\(id): going on, no critical download waits any more", metadata: ["model": "\(id)"])
        case .persist(let id):
            await persist(id)
        case .forget(let id):
            try? await ledger.forgetQueued(id)
        case .ended(let id):
            if queue.jobs[id] == nil { await keeper.downloadChanged(id, nil) }
        case .publish(let id):
            await publish(id)
        case .pullAgain(let id, let priority):
            pullAgain(id, priority: priority)
        }
    }

    /// The blob's fetch, under `id`'s manifest, in a task that reports its end to the queue.
    private func start(_ blob: BlobKey, _ file: ManifestFile, for id: String) {
        guard let job = queue.jobs[id] else { return }
        let progress = FileProgress(planned: job.remaining(file))
        let keeper = keeper, fetcher = fetcher
        let task = Task {
            // A verification under way could report the file as it was before this fetch.
            await keeper.waitUntilChecked(id)
            let config = await keeper.config
            let fetchJob = FileFetcher.Job(
                model: job.model, manifest: job.manifest, settings: config.downloads,
                servers: [config.hub.endpoint] + config.hub.mirrors, token: config.token?.value,
                onRetry: { path, attempt, max, delay, error in
                    await self.retried(blob, file: path, attempt: attempt, max: max, delay: delay, error: error)
                })
            let outcome: TransferOutcome<ProtocolError>
            do throws(DownloadFailure) {
                if Task.isCancelled { throw .stopped }
                outcome = switch try await fetcher.fetch(file, job: fetchJob, progress: progress) {
                case .alreadyThere: .succeeded(fetched: 0, repaired: false)
                case .downloaded(let bytes): .succeeded(fetched: bytes, repaired: false)
                case .repaired(let bytes): .succeeded(fetched: bytes, repaired: true)
                }
            } catch {
                outcome = switch error {
                case .stopped: .stopped(kept: progress.fetched)
                case .noSpace(let error): .noSpace(error)
                case .failed(let error): .failed(error)
                }
            }
            await self.transferEnded(blob, outcome)
        }
        running[blob] = RunningBlob(task: task, progress: progress)
    }

    private func transferEnded(_ blob: BlobKey, _ outcome: TransferOutcome<ProtocolError>) async {
        running[blob] = nil
        await perform(queue.transferEnded(blob, outcome))
    }

    /// Removes the blob's partial file and journal, in a task the queue hears the end of.
    private func discard(_ blob: BlobKey) {
        let fetcher = fetcher
        let path = fetcher.store.layout.partial(blob.repo, blob.digest)
        let task = Task {
            await fetcher.discard(path)
            await self.discarded(blob)
        }
        running[blob] = RunningBlob(task: task, progress: nil)
    }

    private func discarded(_ blob: BlobKey) async {
        running[blob] = nil
        await perform(queue.discarded(blob))
    }

    private func retried(_ blob: BlobKey, file: String, attempt: Int, max: Int, delay: TimeSpan, error: String) async {
        for id in queue.retried(blob) {
            logger.warning("\(id): retry \(attempt)/\(max) of \(file) in \(delay): \(error)", metadata: ["model": "\(id)", "file": "\(file)"])
            events.publish(Event(.downloadRetry(model: id, file: file, attempt: attempt, max: max, delaySeconds: delay.seconds, error: error)))
            await publish(id)
        }
    }

    /// A reload gave the model another entry: once it is checked, it is pulled again.
    private func pullAgain(_ id: String, priority: Priority) {
        replans[id]?.task.cancel()
        nextReplan += 1
        let serial = nextReplan
        let keeper = keeper
        let task = Task {
            await keeper.waitUntilChecked(id)
            await self.replan(id, priority: priority, serial: serial)
        }
        replans[id] = (serial, task)
    }

    private func replan(_ id: String, priority: Priority, serial: Int) async {
        defer { if replans[id]?.serial == serial { replans[id] = nil } }
        guard !Task.isCancelled else { return }
        do {
            let queued = try await pull(id, priority: priority)
            logger.notice("\(id): its catalog entry changed; \(queued.files) file(s) queued for it", metadata: ["model": "\(id)"])
        } catch {
            logger.warning("\(id): its catalog entry changed, and it could not be queued again: \(error.message); modelctl pull \(id) tries again", metadata: ["model": "\(id)"])
        }
    }
}
