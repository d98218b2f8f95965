import Foundation
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol
import ServiceLifecycle

/// New revisions (STORE.md, Updates): asks the hub which commit each followed branch
/// names now, every `[updates] check_every` (jittered, never offline) and on `update`;
/// stages an update beside the current snapshot, verifies it, and switches `refs/` and
/// the stable link in one step; switches back on `rollback`. The model stays `available`
/// on its current commit throughout: nothing a generation holds ever changes under it.
actor Updater: Service {
    let keeper: Keeper
    let manifests: ManifestSource
    let fetcher: FileFetcher
    let resources: ResourceMonitor
    /// Removes what an update replaced once `keep_previous` is over.
    let cleaner: Cleaner
    let events: EventBus
    /// For the store's small blocking calls (stat of blobs, `refs/`, the stable link).
    let io: BlockingPool
    let logger: Logger
    /// The update being staged, per model.
    var staging: [String: Task<Void, Never>] = [:]

    init(
        keeper: Keeper, manifests: ManifestSource, fetcher: FileFetcher, resources: ResourceMonitor, cleaner: Cleaner,
        events: EventBus, io: BlockingPool, logger: Logger
    ) {
        self.keeper = keeper
        self.manifests = manifests
        self.fetcher = fetcher
        self.resources = resources
        self.cleaner = cleaner
        self.events = events
        self.io = io
        self.logger = logger
    }

    /// Checks every `check_every`, ±10 % so that a fleet does not ask at once, applies
    /// what `policy = "auto"` allows, and removes replaced revisions kept long enough.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.rollBackDamagedRevisions() }
                await self.resumeStaged()
                while !Task.isCancelled {
                    let period = await self.keeper.config.updates.checkEvery.duration
                    do {
                        try await Task.sleep(for: period * Double.random(in: 0.9...1.1))
                    } catch {
                        break
                    }
                    await self.checkAndApplyByPolicy()
                    await self.cleaner.collectReplacedRevisions()
                }
                group.cancelAll()
            }
            await self.stopStaging()
        }
    }

    /// `update`: checks the named model (or every model) and, unless `check_only`, starts
    /// what is available.
    func update(_ arguments: UpdateArguments) async throws(ProtocolError) -> UpdateResult {
        let chosen: [CatalogModel]
        if let id = arguments.model {
            chosen = [try await keeper.catalogModel(id)]
        } else {
            chosen = await keeper.config.models
        }
        var entries: [UpdateResult.Entry] = []
        for model in chosen {
            var entry = await check(model)
            if arguments.checkOnly != true, entry.update.available, await keeper.integrity(of: model.id) != nil {
                entry.applied = await startStaging(model)
                entry.update = await keeper.updateRecord(of: model.id)?.status ?? entry.update
            }
            entries.append(entry)
        }
        return UpdateResult(models: entries)
    }

    /// Asks the hub for the model's revision and, when it names another commit, what
    /// moving there costs; publishes `update.available` once per new commit.
    func check(_ model: CatalogModel) async -> UpdateResult.Entry {
        let current = await keeper.integrity(of: model.id)?.manifest
        func entry(note: String? = nil) async -> UpdateResult.Entry {
            let status = await keeper.updateRecord(of: model.id)?.status ?? UpdateStatus()
            return UpdateResult.Entry(model: model.id, current: current?.commit, update: status, note: note)
        }
        guard !model.pinsCommit else { return await entry(note: "pinned to a commit: it never has updates") }
        let config = await keeper.config
        guard !config.hub.offline else { return await entry(note: "offline ([hub] offline or HF_HUB_OFFLINE): the hub was not asked") }
        guard let current else { return await entry(note: "not in the store yet: modelctl pull \(model.id)") }
        let latest: String
        switch await manifests.latestCommit(for: model, config: config) {
        case .success(let commit): latest = commit
        case .failure(let failure): return await entry(note: "the hub could not be asked: \(failure.message)")
        }
        guard latest != current.commit else {
            _ = await keeper.updateChecked(model.id, latest: latest, plan: nil, fits: nil)
            return await entry()
        }
        // A commit rolled back from stays refused across restarts: the ledger says which.
        if let switches = try? await fetcher.ledger.switches(of: model.id),
            switches.contains(where: { $0.why.hasPrefix("rollback") && $0.previous == latest })
        {
            await keeper.reject(latest, of: model.id)
        }
        let next: Manifest
        switch await manifests.manifest(of: latest, for: model, config: config) {
        case .success(let manifest): next = manifest
        case .failure(let failure): return await entry(note: "the file list of \(latest.prefix(12)) could not be had: \(failure.message)")
        }
        let plan = await cost(from: current, to: next)
        let free = await resources.current().disk.first { $0.paths.contains(config.daemon.storeDir) }?.freeBytes
        let fits = plan.fits(freeBytes: free, reserveBytes: config.disk.reserve.bytes)
        if await keeper.updateChecked(model.id, latest: latest, plan: plan, fits: fits) {
            logger.notice(
                "\(model.id): a new revision is out: \(model.revision) → \(latest.prefix(12)), \(plan.filesChanged.count) files changed, \(ByteSize.format(plan.bytesToFetch)) to fetch; modelctl update \(model.id)",
                metadata: ["model": "\(model.id)", "commit": "\(latest)"])
            events.publish(Event(.update(.available, model: model.id, current: current.commit, latest: latest, detail: nil)))
        }
        return await entry()
    }

    /// The update's cost: a blob counts as present when the store has it at its size.
    private func cost(from current: Manifest, to next: Manifest) async -> UpdatePlan {
        let layout = fetcher.store.layout
        let present: Set<String> = await (try? io.run {
            Set(next.files.filter { file in
                (try? FileStat.signature(layout.blob(next.repo, file.digest)))??.size == file.size
            }.map(\.path))
        }) ?? []
        return UpdatePlan(from: current, to: next) { present.contains($0.path) }
    }

    /// The periodic check, and `policy = "auto"` (a model's `update_policy` wins) within
    /// the window, never while a generation holds the model.
    private func checkAndApplyByPolicy() async {
        let config = await keeper.config
        guard !config.hub.offline else { return }
        for model in config.models where !model.pinsCommit {
            let entry = await check(model)
            guard entry.update.available, (model.updatePolicy ?? config.updates.policy) == .auto else { continue }
            let minute = Calendar.current.dateComponents([.hour, .minute], from: Date())
            guard config.updates.window.contains(minuteOfDay: (minute.hour ?? 0) * 60 + (minute.minute ?? 0)) else { continue }
            guard await !keeper.isLeased(model.id) else {
                logger.info("\(model.id): the update waits: a generation holds the model", metadata: ["model": "\(model.id)"])
                continue
            }
            _ = await startStaging(model)
        }
    }

    /// A file of a revision an update just switched to fails verification: back to the
    /// revision it replaced, whole still (`[updates] auto_rollback`); a repair is the way
    /// otherwise.
    private func rollBackDamagedRevisions() async {
        // If it ever falls behind the bus cuts it off: subscribe again.
        while !Task.isCancelled {
            let feed = events.subscribe(Subscription(topics: ["integrity"]))
            for await event in feed.events {
                switch event.payload {
                case .integrityDamaged(let model, let file, _, _, _):
                    await rollBackUpdate(of: model, because: "\(file) of the new revision failed verification")
                case .integrityMissing(let model, let files, _):
                    await rollBackUpdate(of: model, because: "\(files.joined(separator: ", ")) of the new revision went missing")
                default:
                    continue
                }
            }
            feed.cancel()
        }
    }

    private func stopStaging() async {
        for task in staging.values { task.cancel() }
        for task in staging.values { await task.value }
    }
}
