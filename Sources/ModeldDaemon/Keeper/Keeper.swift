import Foundation
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol

/// The one owner of every model's state. Workers report facts to it (a manifest, a
/// file's condition); it derives each model's state with pure functions from ModeldCore
/// and tells subscribers what changed. Nothing else mutates model state.
actor Keeper {
    private(set) var config: ModeldConfig
    /// The paths the daemon runs with: a reload changes them only at the next start, so
    /// `status` keeps telling the ones in use.
    private let paths: DaemonSettings
    /// Internal, not private, for the Keeper's extensions; only the actor can touch it.
    var models: [String: ModelRecord] = [:]
    let events: EventBus
    let logger: Logger
    var leases = LeaseBook()
    /// Stamps the watcher's changes and the checks that settle them (`PendingChecks`), and
    /// each file a download or adoption puts in place (`published`).
    var changeCounter: UInt64 = 0
    /// Tasks waiting for news of a model (`acquire` with `wait_s`), woken on every change
    /// of its state or of its pending checks.
    var newsWaiters: [UInt64: (model: String, continuation: AsyncStream<Void>.Continuation)] = [:]
    var nextWaiter: UInt64 = 0
    /// What the policy lets the daemon start by itself (`AvailabilityPolicy`), per model,
    /// until the auto-fetcher takes it; `automaticWakeups` ticks when there is some.
    private var automaticWork: [String: AvailabilityPolicy.Action] = [:]
    /// Models whose automatic work the auto-fetcher took and has not queued yet: for an
    /// `acquire` meanwhile, a repair is coming, not "only mock output".
    private var automaticWorkTaken: Set<String> = []
    private let automaticSignal: AsyncStream<Void>.Continuation
    nonisolated let automaticWakeups: AsyncStream<Void>
    /// Models pinned with `keep` (kept in the ledger); the config's `keep = true` pins too.
    var pins: Set<String> = []
    /// "disk low: 12 GiB free on /var/lib/modeld/hub" while the store's disk is under
    /// `[disk] warn_below`, for `STATUS=`.
    var diskWarning: String?
    /// Each model's uses as `status` shows them; the ledger has the rest (`usage`).
    var usageTallies: [String: UsageTally] = [:]
    /// The global limit set with `limit` (0: none), which wins over the configuration
    /// until the daemon restarts.
    private(set) var globalLimit: Int64?

    init(config: ModeldConfig, events: EventBus, logger: Logger) {
        self.config = config
        paths = config.daemon
        self.events = events
        self.logger = logger
        (automaticWakeups, automaticSignal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        for model in config.models { models[model.id] = ModelRecord() }
    }

    /// Answers as soon as the actor is free: the watchdog's proof that the Keeper is not stuck.
    func ping() {}

    // MARK: - Questions

    /// The status of every model, or of one (`unknown_model` with a suggestion otherwise);
    /// `freeBytes` is measured by the caller, off the actor (statvfs can hang on a mount).
    func status(of id: String?, freeBytes: Int64?, gpuMemoryGB: Int?) throws(ProtocolError) -> StatusResult {
        let chosen = try id.map { id throws(ProtocolError) in [try catalogModel(id)] } ?? config.models
        return StatusResult(
            models: chosen.map { status($0, gpuMemoryGB: gpuMemoryGB) },
            store: .init(path: paths.storeDir, freeBytes: freeBytes),
            downloads: .init(
                bytesPerSecond: globalLimit ?? config.downloads.bytesPerSecond.bytes,
                active: models.values.count { $0.download?.phase == .running }),
            // No model ready at all: say which to set up first.
            setup: readyModels().isEmpty ? FallbackAdvisor.setup(catalog: config.models, needs: Needs(), gpuVRAMGB: gpuMemoryGB) : nil)
    }

    /// `STATUS=` for systemd: "3 models: 1 available, 2 missing", and the download under
    /// way: "; ti2v-5B 35% at 98.5 MB/s".
    func summary() -> String {
        let line = StateSummary.line(config.models.map { models[$0.id]?.state ?? .unknown })
        let active = config.models.compactMap { model -> String? in
            guard let download = models[model.id]?.download, download.phase == .running else { return nil }
            let percent = Int(download.status.progress * 100)
            return "\(model.id) \(percent)% at \(ByteSize.format(download.speed))/s"
        }
        let parts = [line] + (active.isEmpty ? [] : [active.joined(separator: ", ")]) + (diskWarning.map { [$0] } ?? [])
        return parts.joined(separator: "; ")
    }

    /// Each catalog model's state, for metrics.
    func states() -> [String: ModelState] {
        Dictionary(config.models.map { ($0.id, models[$0.id]?.state ?? .unknown) }) { first, _ in first }
    }

    func catalogModel(_ id: String) throws(ProtocolError) -> CatalogModel {
        if let model = config.model(id) { return model }
        let ids = config.models.map(\.id)
        let guess = ModelNameSuggester.suggestion(for: id, among: ids)
        throw ProtocolError(
            .unknownModel, "no model '\(id)' in the catalog",
            hint: "modelctl status lists the models" + (guess.map { "; did you mean \($0)?" } ?? ""))
    }

    func state(of id: String) -> ModelState { models[id]?.state ?? .unknown }

    /// Whether every file of the model's manifest is verified (whatever its link), and
    /// none is being removed.
    func filesVerified(_ id: String) -> Bool {
        guard let record = models[id], !record.evicting else { return false }
        return record.integrity?.state == .available
    }

    /// `<links_dir>/<model>` now points at `commit`'s snapshot.
    func linked(_ id: String, to commit: String) {
        update(id, because: "its path points at the snapshot") { $0.linkedCommit = commit }
    }

    func condition(of path: String, in id: String) -> FileCondition? { models[id]?.integrity?[path] }

    /// The manifests known now, for the watcher to map paths to files.
    func manifests() -> [(model: String, manifest: Manifest)] {
        config.models.compactMap { model in models[model.id]?.integrity.map { (model.id, $0.manifest) } }
    }

    // MARK: - Facts

    /// Takes a new configuration. Returns the keys that changed, and the models to verify
    /// again: new to the catalog, or whose files are now others (repo, revision,
    /// include, exclude). Models gone from the catalog are forgotten (their files stay).
    func reconfigure(_ new: ModeldConfig) -> (changed: [String], recheck: [String]) {
        let changed = ConfigDiff.changedKeys(from: config, to: new)
        let old = config
        config = new
        let ids = Set(new.models.map(\.id))
        // Whoever waits for news of a model gone from the catalog (a check's end) is let go.
        for id in models.keys where !ids.contains(id) { wakeWaiters(for: id) }
        models = models.filter { ids.contains($0.key) }
        var recheck: [String] = []
        for model in new.models {
            let sameFiles = old.model(model.id)?.namesSameFiles(as: model) ?? false
            if models[model.id] == nil || !sameFiles {
                models[model.id] = ModelRecord()
                recheck.append(model.id)
            }
        }
        // Work decided for an entry that is gone or names other files now was decided on
        // facts that no longer hold: its re-check decides again.
        for id in Set(automaticWork.keys).union(automaticWorkTaken) where !ids.contains(id) || recheck.contains(id) {
            automaticWork[id] = nil
            automaticWorkTaken.remove(id)
        }
        if !changed.isEmpty { events.publish(Event(.configReloaded(changed: changed))) }
        return (changed, recheck)
    }

    /// The manifest a model is checked against. What is known of files that did not
    /// change (same path, same digest) is kept.
    func adopt(_ manifest: Manifest, for id: String) {
        // Fetched for an entry a reload has since replaced: its re-check is queued.
        guard config.model(id)?.repo == manifest.repo else { return }
        update(id, because: "manifest of commit \(manifest.commit.prefix(12))") { record in
            var integrity = ModelIntegrity(manifest: manifest)
            if let old = record.integrity {
                let known = Dictionary(old.manifest.files.map { ($0.path, $0.digest) }, uniquingKeysWith: { first, _ in first })
                for file in manifest.files where known[file.path] == file.digest {
                    integrity[file.path] = old[file.path]
                }
            }
            record.integrity = integrity
            record.manifestProblem = nil
        }
    }

    /// No manifest could be had; `anythingStored` tells "missing" from "unknown".
    func manifestUnavailable(for id: String, problem: String, anythingStored: Bool) {
        update(id, because: problem) { record in
            record.manifestProblem = problem
            record.anythingStored = anythingStored
        }
    }

    func beginVerification(of id: String, files: Int) {
        update(id, because: "verification started") { $0.verifying = (0, files) }
    }

    /// A download or an adoption put `file` in place, verified by the digest that followed
    /// its bytes. A check that began before this read the bytes it replaced: its verdict is
    /// dropped (`record`), or a repair's good file would be reported damaged again.
    func published(_ file: ManifestFile, of id: String) {
        changeCounter += 1
        models[id]?.publishedAt[file.path] = changeCounter
        record(.verified(.full), for: file, of: id, source: .download, checkBegan: changeCounter)
    }

    /// Files a start-up check found unchanged since they were verified
    /// (`FileVerifier.unchanged`), recorded `.verified(.stat)` in one update: one per file
    /// cost 10,000 copies of the model's conditions.
    func recordUnchanged(_ files: [ManifestFile], of id: String, checkBegan ticket: UInt64) {
        let fresh = files.filter { verdictCounts(for: $0, of: id, checkBegan: ticket) }
        update(id, because: "\(fresh.count) unchanged files checked") { record in
            for file in fresh { record.integrity?[file.path] = .verified(.stat) }
            if let verifying = record.verifying { record.verifying = (min(verifying.done + files.count, verifying.total), verifying.total) }
        }
        if let progress = models[id]?.verifying {
            events.publish(Event(.verifyProgress(model: id, filesDone: progress.done, filesTotal: progress.total)))
        }
    }

    /// Whether a check of `file` that began at `ticket` says something of the model's file
    /// now: the same file of the same manifest (an update may have switched it meanwhile),
    /// not put in place again since the check began.
    private func verdictCounts(for file: ManifestFile, of id: String, checkBegan ticket: UInt64) -> Bool {
        guard let record = models[id], record.integrity?.file(at: file.path)?.digest == file.digest else { return false }
        return (record.publishedAt[file.path] ?? 0) <= ticket
    }

    /// One file's condition, as a check that began at `ticket` (`checkTicket()`) found it.
    /// New damage or absence is announced.
    func record(_ condition: FileCondition, for file: ManifestFile, of id: String, source: IntegritySource, checkBegan ticket: UInt64) {
        let path = file.path
        guard let previous = models[id]?.integrity?[path] else { return }
        let counts = verdictCounts(for: file, of: id, checkBegan: ticket)
        update(id, because: "\(path) checked") { record in
            if let verifying = record.verifying { record.verifying = (min(verifying.done + 1, verifying.total), verifying.total) }
            guard counts else { return }
            record.integrity?[path] = condition
            // New damage another check found while a download ran is someone else's: the
            // download's end must not take it for its own and leave it unrepaired. (Damage
            // known before, found again by a rescan, is what the download is for.)
            if record.hasDownload, source != .download, condition.isDamageOrAbsence, !previous.isDamageOrAbsence {
                record.changedOutsideDuringDownload = true
            }
        }
        guard counts else {
            logger.debug("\(id): \(path): \(condition) dropped: the check began before the file was last put in place", metadata: ["model": "\(id)"])
            // A bad verdict may be news all the same (the new file damaged at once): the
            // file stays pending until a check that began after settles it.
            if !condition.isVerified, models[id]?.integrity?.file(at: path)?.digest == file.digest { changeNoticed(in: id, path: path) }
            return
        }
        guard condition != previous else { return }
        switch condition {
        case .corrupted(let ranges, let reason):
            logger.warning("\(id): \(path) is damaged: \(reason)", metadata: ["model": "\(id)", "file": "\(path)"])
            events.publish(Event(.integrityDamaged(model: id, file: path, damagedRanges: ranges, reason: reason, source: source)))
        case .missing:
            // Found missing at a model's first check (never downloaded, most often): the
            // verification's end says how many, in one line, rather than one per file.
            let level: Logger.Level = previous == .unchecked ? .debug : .warning
            logger.log(level: level, "\(id): \(path) is missing", metadata: ["model": "\(id)", "file": "\(path)"])
            events.publish(Event(.integrityMissing(model: id, files: [path], source: source)))
        default:
            break
        }
        if let progress = models[id]?.verifying, progress.done % 16 == 0 || progress.done == progress.total {
            events.publish(Event(.verifyProgress(model: id, filesDone: progress.done, filesTotal: progress.total)))
        }
    }

    /// The verification under way ended; `method` is how most files were found good.
    /// `ticket` (`checkTicket()` when it began) settles the changes the watcher saw before.
    func finishVerification(of id: String, method: VerifyMethod, ticket: UInt64) {
        update(id, because: "verification finished") { record in
            record.pendingChecks.checkedAll(ticket: ticket)
            record.verifying = nil
            record.lastVerified = Date()
            record.lastMethod = method
        }
        guard let record = models[id], let integrity = record.integrity else { return }
        if let absence = integrity.absence {
            logger.notice("\(id): \(absence); modelctl pull \(id) fetches \(integrity.missing.count == 1 ? "it" : "them")", metadata: ["model": "\(id)"])
        }
        events.publish(Event(.verifyDone(
            model: id, state: record.state, verified: integrity.verifiedCount, missing: integrity.missing.count,
            corrupted: integrity.corrupted.count)))
    }

    /// The download's news: a new phase is a new state; progress is announced (the
    /// downloader reports a few times a second at most).
    func downloadChanged(_ id: String, _ download: DownloadRecord?) {
        let before = models[id]?.download
        update(id, because: download?.reason ?? "download ended") { record in
            record.download = download
            record.downloadBeingPlanned = false
        }
        if let download, download.phase == .running, before?.bytesDone != download.bytesDone {
            events.publish(Event(.downloadProgress(
                model: id, bytesDone: download.bytesDone, bytesTotal: download.bytesTotal,
                speedBytesPerSecond: download.speed, etaSeconds: download.eta)))
        }
    }

    /// A pull of the model began planning, or its planning ended with nothing queued (an
    /// error); a plan that queues or finds nothing to do ends it with `downloadChanged`.
    func downloadPlanning(_ id: String, began: Bool) {
        update(id, because: began ? "a download is being planned" : "the download's planning ended") { $0.downloadBeingPlanned = began }
    }

    func setGlobalLimit(_ bytesPerSecond: Int64) { globalLimit = bytesPerSecond }

    /// Models with verified bytes in the store that are not pinned, largest first: what
    /// a person could remove to make room.
    func cleanupCandidates(excluding id: String) -> [(model: String, bytes: Int64)] {
        config.models.compactMap { model in
            guard model.id != id, !model.keep, let bytes = models[model.id]?.integrity?.verifiedBytes, bytes > 0 else { return nil }
            return (model.id, bytes)
        }.sorted { $0.bytes > $1.bytes }
    }

    /// The conditions of a model's files, once its manifest is known.
    func integrity(of id: String) -> ModelIntegrity? { models[id]?.integrity }

    /// Whether the model's files are being checked (`ModelRecord.isBeingChecked`); false
    /// for a model not in the catalog.
    func isBeingChecked(_ id: String) -> Bool { models[id]?.isBeingChecked ?? false }

    /// Returns once the model's files are not being checked (at once if they are not), or
    /// when the calling task is cancelled: `update` wakes the model's news feeds when a
    /// check ends, so nothing polls.
    func waitUntilChecked(_ id: String) async {
        guard isBeingChecked(id) else { return }
        let (token, news) = newsFeed(about: id)
        defer { endNewsFeed(token) }
        for await _ in news where !isBeingChecked(id) { return }
    }

    // MARK: - Internals

    /// Applies `change` to a model's record and announces a change of state.
    func update(_ id: String, because why: String, _ change: (inout ModelRecord) -> Void) {
        guard var record = models[id] else { return }
        let before = record.state
        let wasSettled = record.pendingChecks.isEmpty
        let wasChecking = record.isBeingChecked
        // A download's own ends (cancelled, failed, its final check) are a person's to act on
        // (a repair that cannot mend a file must not start again by itself), unless what its
        // end found is damage the watcher saw someone else do meanwhile.
        let fromDownload = record.download != nil && !record.changedOutsideDuringDownload
        change(&record)
        if !record.hasDownload { record.changedOutsideDuringDownload = false }
        models[id] = record
        let after = record.state
        if before != after || wasSettled != record.pendingChecks.isEmpty || wasChecking != record.isBeingChecked { wakeWaiters(for: id) }
        guard before != after else { return }
        let reason = record.reason
        logger.info("\(id): \(before.rawValue) → \(after.rawValue): \(reason)", metadata: ["model": "\(id)"])
        events.publish(Event(.modelState(model: id, from: before, to: after, reason: reason)))
        if !record.evicting, !fromDownload, let action = AvailabilityPolicy.automaticAction(from: before, to: after, permissions: permissions(for: id)) {
            automaticWork[id] = action
            automaticSignal.yield()
        }
    }

    /// The automatic work waiting, most urgent model first (catalog priority, then order).
    func takeAutomaticWork() -> [(model: String, action: AvailabilityPolicy.Action)] {
        let order = config.models.enumerated().sorted { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }
        // Work for a model that left the catalog meanwhile is dropped with the rest.
        let taken = order.compactMap { entry in automaticWork[entry.element.id].map { (model: entry.element.id, action: $0) } }
        automaticWork = [:]
        automaticWorkTaken.formUnion(taken.map(\.model))
        return taken
    }

    /// The auto-fetcher queued the model's work, or decided not to.
    func automaticWorkHandled(_ id: String) {
        automaticWorkTaken.remove(id)
        wakeWaiters(for: id)
    }

    /// Whether an automatic download or repair of the model is decided and not queued yet.
    func isFetchComing(_ id: String) -> Bool { automaticWork[id] != nil || automaticWorkTaken.contains(id) }

    private func status(_ model: CatalogModel, gpuMemoryGB: Int?) -> ModelStatus {
        let record = models[model.id] ?? ModelRecord()
        let integrity = record.integrity
        var status = ModelStatus(
            model: model.id, repo: model.repo, revision: model.revision,
            commit: integrity?.manifest.commit ?? (model.pinsCommit ? model.revision : nil),
            state: record.state, ready: record.state == .available,
            path: (paths.linksDir as NSString).appendingPathComponent(model.id),
            sizeBytes: integrity?.manifest.totalBytes ?? model.approxSize?.bytes, presentBytes: integrity?.verifiedBytes,
            pinned: isPinned(model), reason: record.reason,
            actions: integrity?.actions(model: model.id).map { ModelStatus.Action(command: $0.command, why: $0.why) } ?? [])
        if let integrity {
            status.files = ModelStatus.Files(
                total: integrity.manifest.files.count, verified: integrity.verifiedCount, missing: integrity.missing,
                corrupted: integrity.corrupted.map { ModelStatus.Damage(path: $0.path, damagedRanges: $0.ranges, reason: $0.reason) })
            status.integrity = integrity.integrity
        }
        status.download = record.download?.status
        if !model.pinsCommit { status.update = record.update.status }
        let leased = leases.commits(on: model.id)
        if !leased.isEmpty { status.leasedCommits = leased.sorted() }
        if record.update.available {
            status.actions.append(.init(command: "modelctl update \(model.id)", why: "a new revision is out (\(record.update.latest?.prefix(12) ?? ""))"))
        }
        if let tally = usageTallies[model.id] {
            status.usage = UsageLine(uses: tally.uses, usesPerDay: tally.usesPerDay(today: UsageDay.day(of: Date())), lastUsed: tally.lastUsed)
        }
        status.fitsVRAM = model.fits(vramGB: gpuMemoryGB)
        if status.fitsVRAM == false, let gpuMemoryGB {
            status.actions.append(vramAction(model, gpuMemoryGB: gpuMemoryGB))
        }
        if record.manifestProblem != nil, integrity == nil {
            status.actions.append(
                record.anythingStored
                    ? .init(command: "modelctl verify \(model.id)", why: "its files are here but the file list could not be had")
                    : .init(command: "modelctl pull \(model.id)", why: "its files are not here"))
        }
        status.verify = ModelStatus.Verification(
            last: record.lastVerified, method: record.lastMethod,
            progress: record.verifying.map { $0.total == 0 ? 1 : Double($0.done) / Double($0.total) },
            pendingChanges: record.pendingChecks.count)
        return status
    }

    /// "t2v-A14B needs ≥ 80 GB; this GPU has 24 GB: use ti2v-5B", pointing at the best
    /// model that fits and serves one of its tasks.
    private func vramAction(_ model: CatalogModel, gpuMemoryGB: Int) -> ModelStatus.Action {
        let why = "\(model.id) needs ≥ \(model.minVRAMGB) GB of GPU memory; this GPU has \(gpuMemoryGB) GB"
        let alternatives = FallbackAdvisor.alternatives(
            to: model, needs: Needs(), catalog: config.models, ready: readyModels(), gpuVRAMGB: gpuMemoryGB)
        guard let best = alternatives.first else {
            return .init(command: "modelctl suggest \(model.id)", why: why + "; no model of the catalog fits")
        }
        let command = readyModels().contains(best.model) ? "modelctl acquire \(best.model)" : "modelctl pull \(best.model)"
        return .init(command: command, why: why + ": use \(best.model)")
    }
}
