import Foundation
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol
import ServiceLifecycle
import Synchronization

/// Watches the store and the links folder with inotify (STORE.md, Watching): changes are
/// coalesced per file for the quiet period, then only what changed is checked again.
/// Lost events or exhausted watches fall back to stat rescans, and say so.
struct StoreWatcher: Service {
    let keeper: Keeper
    let events: EventBus
    let queue: VerificationQueue
    let store: Store
    let quietPeriod: Duration
    let coverage: WatchCoverage
    let logger: Logger

    /// How often the store is rescanned (stat only) while inotify cannot cover it.
    static let rescanPeriod: Duration = .seconds(30)

    func run() async throws {
        let inotify: Inotify
        do {
            inotify = try Inotify()
        } catch {
            logger.warning("cannot watch the store (\(error)); rescanning every \(Self.rescanPeriod) instead")
            coverage.update { $0.unavailable = "\(error)" }
            return await rescanForever()
        }
        let watches = Watches(inotify: inotify, index: await makeIndex(), coverage: coverage)
        watches.add(logger: logger)
        let pending = PendingChanges()
        await withGracefulShutdownHandler {
            // Cancellation ends the waits; closing the sources ends the loops.
            await cancelWhenGracefulShutdown {
                await withDiscardingTaskGroup { group in
                    group.addTask { await deliverChanges(from: watches, to: pending) }
                    group.addTask { await handOver(pending, refreshing: watches) }
                    group.addTask { await rescanWhileExhausted(watches, into: pending) }
                    group.addTask { await followManifests(watches, until: pending) }
                }
            }
        } onGracefulShutdown: {
            inotify.stop()
            pending.close()
        }
    }

    /// inotify's events, turned into targets that wait for their quiet period.
    private func deliverChanges(from watches: Watches, to pending: PendingChanges) async {
        for await event in watches.inotify.events {
            switch event {
            case .overflow:
                logger.warning("inotify lost events (queue overflow); checking every model again (stat only)")
                for entry in await keeper.config.models { await notice(.model(entry.id), in: pending, after: .zero) }
            case .change(let change):
                let ours = store.ownWrites.contains(change.path, change.isWrite ? .bytesWritten : change.isRemoval ? .removed : .other)
                for target in watches.index.targets(for: change.path) where !ours { await notice(target, in: pending, after: quietPeriod) }
                if change.isDirectory || change.isWatchGone { await refresh(watches) }
            }
        }
    }

    /// Each target, once quiet, goes to the verification queue.
    private func handOver(_ pending: PendingChanges, refreshing watches: Watches) async {
        while !pending.isClosed && !Task.isCancelled {
            for target in await pending.due() {
                switch target {
                case .file(let model, let path):
                    queue.enqueue(.init(model: model, scope: .files([path]), source: .watch))
                case .model(let model):
                    queue.enqueue(.init(model: model, scope: .wholeModel(deep: false), source: .watch))
                }
            }
            // A first manifest or a reload brings new folders to watch.
            await refresh(watches)
        }
    }

    /// A model whose state changed may have a new manifest, whose folders need watching;
    /// an update or a rollback switches it without a change of state.
    private func followManifests(_ watches: Watches, until pending: PendingChanges) async {
        // If it ever falls behind the bus cuts it off: subscribe again and refresh anyway.
        while !pending.isClosed && !Task.isCancelled {
            let feed = events.subscribe(Subscription(topics: ["model.state", "update.applied", "update.rolled_back"]))
            for await _ in feed.events where !pending.isClosed {
                await refresh(watches)
            }
            feed.cancel()
            await refresh(watches)
        }
    }

    /// Without enough watches, a periodic stat rescan stands in for the missing events.
    private func rescanWhileExhausted(_ watches: Watches, into pending: PendingChanges) async {
        while !pending.isClosed && !Task.isCancelled {
            try? await Task.sleep(for: Self.rescanPeriod)
            guard watches.exhausted, !Task.isCancelled else { continue }
            // A routine rescan, not a change anyone saw: acquire does not wait for it.
            for entry in await keeper.config.models { pending.add(.model(entry.id), after: .zero) }
        }
    }

    /// A change waits for its quiet period; meanwhile the Keeper knows it is pending, so
    /// `acquire` does not hand out files that may have changed.
    private func notice(_ target: StorePathIndex.Target, in pending: PendingChanges, after quiet: Duration) async {
        // Stamped before it is queued: a check that starts at once must find the stamp older
        // than its ticket.
        switch target {
        case .file(let model, let path): await keeper.changeNoticed(in: model, path: path)
        case .model(let model): await keeper.changeNoticed(in: model, path: nil)
        }
        pending.add(target, after: quiet)
    }

    private func refresh(_ watches: Watches) async {
        watches.index = await makeIndex()
        watches.add(logger: logger)
    }

    private func makeIndex() async -> StorePathIndex {
        let config = await keeper.config
        let manifests = Dictionary(await keeper.manifests().map { ($0.model, $0.manifest) }, uniquingKeysWith: { a, _ in a })
        return StorePathIndex(
            layout: store.layout, linksDirectory: store.linksDirectory,
            entries: config.models.map { .init(model: $0.id, repo: $0.repo, manifest: manifests[$0.id]) })
    }

    private func rescanForever() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                for entry in await keeper.config.models {
                    queue.enqueue(.init(model: entry.id, scope: .wholeModel(deep: false), source: .watch))
                }
                try? await Task.sleep(for: Self.rescanPeriod)
            }
        }
    }
}

/// The folders under watch and the index that maps their changes to model files.
final class Watches: Sendable {
    let inotify: Inotify
    let coverage: WatchCoverage
    private let state: Mutex<StorePathIndex>

    init(inotify: Inotify, index: StorePathIndex, coverage: WatchCoverage) {
        self.inotify = inotify
        self.coverage = coverage
        state = Mutex(index)
    }

    var index: StorePathIndex {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }

    /// Whether inotify ran out of watches (`fs.inotify.max_user_watches`).
    var exhausted: Bool { coverage.reading.exhausted }

    /// Watches every folder of the index not watched yet (and that exists). A folder
    /// that was removed drops out of inotify's own list, so it is watched again if it returns.
    func add(logger: Logger) {
        let watched = inotify.watchedDirectories
        let existing = index.directories.filter(FileStat.isDirectory)
        coverage.update { $0.needed = existing.count }
        for folder in existing where !watched.contains(folder) {
            do {
                try inotify.watch(folder)
            } catch where error.errno == ENOSPC {
                let first = coverage.update { reading in
                    defer { reading.exhausted = true }
                    return !reading.exhausted
                }
                if first {
                    // The words `modelctl doctor` uses: the limit that binds (a container's
                    // user.max_inotify_watches, perhaps), what the store needs, the sysctl.
                    let check = DoctorJudge.inotify(
                        limit: Result { () throws(SystemError) in try InotifyLimit.current() }, needed: existing.count, exhausted: true)
                    logger.warning("out of inotify watches: \(check.detail); \(check.fix ?? "")")
                }
            } catch {
                logger.debug("cannot watch \(folder): \(error)")
            }
        }
    }
}

/// Targets waiting for their quiet period to pass; each new change restarts its wait.
final class PendingChanges: Sendable {
    private let state = Mutex<(due: [StorePathIndex.Target: ContinuousClock.Instant], closed: Bool)>(([:], false))
    private let tick: AsyncStream<Void>.Continuation
    private let ticks: AsyncStream<Void>

    init() {
        (ticks, tick) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func add(_ target: StorePathIndex.Target, after quiet: Duration) {
        state.withLock { $0.due[target] = ContinuousClock.now + quiet }
        tick.yield()
    }

    func close() {
        state.withLock { $0.closed = true }
        tick.finish()
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Waits until at least one target is due, then returns every due target.
    func due() async -> [StorePathIndex.Target] {
        var iterator = ticks.makeAsyncIterator()
        while true {
            let (ready, next, closed) = state.withLock { state -> ([StorePathIndex.Target], ContinuousClock.Instant?, Bool) in
                let now = ContinuousClock.now
                let ready = state.due.filter { $0.value <= now }.map(\.key)
                for target in ready { state.due[target] = nil }
                return (ready, state.due.values.min(), state.closed)
            }
            if !ready.isEmpty || closed || Task.isCancelled { return ready }
            if let next {
                // Wake at the earliest deadline; a target added meanwhile with a shorter wait
                // (an overflow's immediate rescan) is handed over then, at most one quiet period late.
                try? await Task.sleep(until: next, clock: .continuous)
            } else if await iterator.next() == nil {
                return []
            }
        }
    }
}
