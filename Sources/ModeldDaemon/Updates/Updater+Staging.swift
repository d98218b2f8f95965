import Foundation
import ModeldCore
import ModeldLinux
import ModeldProtocol

/// Staging an update beside the current snapshot, the switch, and the switch back.
extension Updater {
    /// Starts staging the update the last check found; false when one is under way already.
    func startStaging(_ model: CatalogModel) async -> Bool {
        guard staging[model.id] == nil, let record = await keeper.updateRecord(of: model.id), record.available,
            let latest = record.latest, let current = await keeper.integrity(of: model.id)?.manifest
        else { return false }
        await keeper.updatePhase(model.id, .updating(fetched: 0, total: record.plan?.bytesToFetch ?? 0, speed: 0, eta: nil))
        staging[model.id] = Task {
            await self.noteStaged(model.id, latest)
            if await self.stage(model, from: current, to: latest) { await self.noteStaged(model.id, nil) }
            self.stagingEnded(model.id)
        }
        return true
    }

    private func stagingEnded(_ id: String) {
        staging[id] = nil
    }

    /// Kept in the ledger while staging: a restart (even after `kill -9`) goes on with it.
    private func noteStaged(_ id: String, _ commit: String?) async {
        do {
            try await fetcher.ledger.setStagedUpdate(id, to: commit)
        } catch {
            logger.warning("\(id): the update under way could not be noted in the ledger: \(error)", metadata: ["model": "\(id)"])
        }
    }

    /// At start: the updates that were being staged go on, once their models are checked
    /// (their bytes so far are journaled, so nothing verified is fetched again).
    func resumeStaged() async {
        let staged: [String: String]
        do {
            staged = try await fetcher.ledger.stagedUpdates()
        } catch {
            logger.error("the updates under way could not be read from the ledger: \(error)")
            return
        }
        for (id, commit) in staged.sorted(by: { $0.key < $1.key }) {
            guard let model = await keeper.config.model(id), !model.pinsCommit else {
                await noteStaged(id, nil)
                continue
            }
            await keeper.waitUntilChecked(id)
            if Task.isCancelled { return }
            let entry = await check(model)
            guard entry.update.available, await startStaging(model) else {
                // Switched already, or nothing to move to any more; offline: next start.
                if entry.note == nil { await noteStaged(id, nil) }
                continue
            }
            logger.info("\(id): the update to \(commit.prefix(12)) goes on after the restart", metadata: ["model": "\(id)", "commit": "\(commit)"])
        }
    }

    /// Fetches what the new snapshot lacks (each blob verified before it is published, the
    /// rest linked from blobs already here), checks every file of it, then switches.
    /// Returns false when stopped (the daemon stops): the update goes on at the next start.
    private func stage(_ model: CatalogModel, from current: Manifest, to latest: String) async -> Bool {
        let config = await keeper.config
        let next: Manifest
        switch await manifests.manifest(of: latest, for: model, config: config) {
        case .success(let manifest): next = manifest
        case .failure(let failure): return await failed(model, current: current, latest: latest, DownloadFailure.error(failure))
        }
        let job = FileFetcher.Job(
            model: model, manifest: next, settings: config.downloads, servers: [config.hub.endpoint] + config.hub.mirrors,
            token: config.token?.value,
            onRetry: { [logger] path, attempt, max, delay, error in
                logger.warning(
                    "\(model.id): update: retry \(attempt)/\(max) of \(path) in \(delay): \(error)",
                    metadata: ["model": "\(model.id)", "commit": "\(latest)", "file": "\(path)"])
            })
        let total = await keeper.updateRecord(of: model.id)?.plan?.bytesToFetch ?? 0
        let progress = StagingProgress()
        // The status follows the bytes twice a second, with the speed and the time left.
        let reporter = Task { [keeper, events] in
            var meter = SpeedMeter()
            let origin = ContinuousClock.now
            while (try? await Task.sleep(for: .milliseconds(500))) != nil {
                let now = origin.duration(to: .now).inSeconds
                let fetched = progress.fetched
                meter.record(totalBytes: fetched, now: now)
                let (speed, eta) = (meter.bytesPerSecond(now: now), meter.etaSeconds(remaining: max(0, total - fetched), now: now))
                await keeper.updatePhase(model.id, .updating(fetched: fetched, total: total, speed: speed, eta: eta))
                events.publish(Event(.updateProgress(
                    model: model.id, latest: latest, bytesDone: fetched, bytesTotal: total, speedBytesPerSecond: speed, etaSeconds: eta)))
            }
        }
        var failure: DownloadFailure?
        for file in next.files {
            if Task.isCancelled {
                failure = .stopped
                break
            }
            let fileProgress = FileProgress(planned: file.size)
            progress.begin(fileProgress)
            do throws(DownloadFailure) {
                switch try await fetcher.fetch(file, job: job, progress: fileProgress) {
                case .alreadyThere: progress.end(fetched: 0)
                case .downloaded(let bytes), .repaired(let bytes): progress.end(fetched: bytes)
                }
            } catch {
                failure = error
                break
            }
        }
        // Ended before the phase changes again: a late report must not say `updating` after.
        reporter.cancel()
        await reporter.value
        switch failure {
        case .stopped: return false
        case .noSpace(let error), .failed(let error): return await failed(model, current: current, latest: latest, error)
        case nil: break
        }
        let fetched = progress.fetched
        for file in next.files {
            let condition = await fetcher.verifier.check(file, of: next, depth: .changed)
            guard case .verified = condition else {
                return await failed(model, current: current, latest: latest, ProtocolError(
                    .conflict, "\(file.path) of \(latest.prefix(12)) did not verify: \(condition)",
                    hint: "modelctl update \(model.id) tries again; the current revision stays in use"))
            }
        }
        do {
            try await switchRevision(model, from: current.commit, to: next, why: "update")
        } catch {
            return await failed(model, current: current, latest: latest, error)
        }
        logger.notice(
            "\(model.id): updated \(current.commit.prefix(12)) → \(latest.prefix(12)), \(ByteSize.format(fetched)) fetched",
            metadata: ["model": "\(model.id)", "commit": "\(latest)"])
        events.publish(Event(.update(.applied, model: model.id, current: current.commit, latest: latest, detail: nil)))
        return true
    }

    /// Ends the staging as failed; true: it is over (nothing to go on with at a restart).
    private func failed(_ model: CatalogModel, current: Manifest, latest: String, _ error: ProtocolError) async -> Bool {
        await keeper.updatePhase(model.id, .failed(error))
        logger.error(
            "\(model.id): the update to \(latest.prefix(12)) failed, \(current.commit.prefix(12)) stays current: \(error.message)",
            metadata: ["model": "\(model.id)", "commit": "\(latest)"])
        events.publish(Event(.update(.failed, model: model.id, current: current.commit, latest: latest, detail: error.message)))
        return true
    }

    /// The switch: the history row first (the ledger never misses a switch that happened),
    /// then `refs/<revision>` and the stable link, each replaced by a rename, then the
    /// Keeper in one step.
    private func switchRevision(_ model: CatalogModel, from previous: String, to manifest: Manifest, why: String) async throws(ProtocolError) {
        do {
            try await fetcher.ledger.record(RevisionSwitch(model: model.id, commit: manifest.commit, previous: previous, why: why))
        } catch {
            throw ProtocolError(.internal, "the switch could not be written to the ledger: \(error)", hint: "journalctl -u modeld shows more")
        }
        let store = fetcher.store
        let moved = await io.outcome { () throws(SystemError) in
            try store.setCommit(manifest.commit, repo: model.repo, revision: model.revision)
            try store.pointStableLink(model: model.id, repo: model.repo, commit: manifest.commit)
        }
        if case .failure(let error) = moved {
            throw ProtocolError(.internal, "the switch to \(manifest.commit.prefix(12)) failed: \(error)", hint: "check the store's permissions; journalctl -u modeld shows more")
        }
        await keeper.switchRevision(model.id, to: manifest, because: "\(why): now on commit \(manifest.commit.prefix(12))")
    }

    // MARK: - Rollback and history

    /// Switches back to the revision the last switch replaced, at once: its snapshot is
    /// still here, and a stat of each file against the ledger is the check.
    func rollback(_ id: String, because reason: String? = nil) async throws(ProtocolError) -> RollbackResult {
        let model = try await keeper.catalogModel(id)
        guard staging[model.id] == nil else {
            throw ProtocolError(.conflict, "an update of \(model.id) is being staged", hint: "wait for it to end (modelctl watch), then roll back")
        }
        guard let current = await keeper.integrity(of: model.id)?.manifest else {
            throw ProtocolError(.conflict, "\(model.id) has no current revision", hint: "modelctl pull \(model.id)")
        }
        let last = (try? await fetcher.ledger.switches(of: model.id))?.first
        if let last, last.why.hasPrefix("rollback"), let left = last.previous {
            throw ProtocolError(
                .conflict, "\(model.id) was rolled back from \(left.prefix(12)) already; there is no previous revision to go back to",
                hint: "\(left.prefix(12)) is not offered again; modelctl update \(model.id) moves on when the hub names a newer commit")
        }
        guard let last, last.commit == current.commit, let previous = last.previous else {
            throw ProtocolError(
                .conflict, "\(model.id) keeps no previous revision to go back to",
                hint: "rollback returns to the revision an update replaced; modelctl history \(model.id) lists them")
        }
        let config = await keeper.config
        let kept: Manifest
        switch await manifests.manifest(of: previous, for: model, config: config) {
        case .success(let manifest): kept = manifest
        case .failure(let failure):
            throw ProtocolError(.conflict, "the file list of \(previous.prefix(12)) is gone: \(failure.message)", hint: "modelctl history \(model.id)")
        }
        for file in kept.files {
            guard case .verified = await fetcher.verifier.check(file, of: kept, depth: .changed) else {
                throw ProtocolError(
                    .conflict, "the previous revision \(previous.prefix(12)) is no longer whole (\(file.path))",
                    hint: "its files were removed or changed; stay on \(current.commit.prefix(12)) or update again")
            }
        }
        try await switchRevision(model, from: current.commit, to: kept, why: reason.map { "rollback: \($0)" } ?? "rollback")
        await keeper.reject(current.commit, of: model.id)
        logger.notice(
            "\(model.id): rolled back \(current.commit.prefix(12)) → \(previous.prefix(12))\(reason.map { ": \($0)" } ?? "")",
            metadata: ["model": "\(model.id)", "commit": "\(previous)"])
        events.publish(Event(.update(.rolledBack, model: model.id, current: current.commit, latest: previous, detail: reason ?? "rollback")))
        return RollbackResult(model: model.id, from: current.commit, to: previous)
    }

    /// A generation on `commit` ended: when the model was just updated to it and its first
    /// generations fail clearly more than on the revision before (`RollbackJudge`), the
    /// update is undone by itself (`[updates] auto_rollback`).
    func generationEnded(_ id: String, commit: String?, success: Bool?) async {
        guard success == false, let commit, let last = try? await fetcher.ledger.switches(of: id).first, last.why == "update",
            last.commit == commit,
            // The old revision's month before the switch is its baseline.
            let previous = last.previous, let uses = try? await fetcher.ledger.uses(of: id, since: last.at.addingTimeInterval(-30 * 86_400))
        else { return }
        let new = uses.filter { $0.commit == commit && $0.at >= last.at }.compactMap(\.success)
        let baseline = uses.filter { $0.commit == previous }.compactMap(\.success)
        guard let reason = RollbackJudge.reason(new: new, baseline: baseline) else { return }
        await rollBackUpdate(of: id, because: reason)
    }

    /// Undoes the update the model is on, when `auto_rollback` allows and its last switch
    /// was an update (not a rollback, not a first pull).
    func rollBackUpdate(of id: String, because reason: String) async {
        guard await keeper.config.updates.autoRollback, let last = try? await fetcher.ledger.switches(of: id).first,
            last.why == "update", await keeper.integrity(of: id)?.manifest.commit == last.commit
        else { return }
        do {
            _ = try await rollback(id, because: reason)
        } catch {
            logger.error("\(id): the update should be rolled back (\(reason)), but: \(error.message)", metadata: ["model": "\(id)"])
        }
    }

    func history(_ id: String) async throws(ProtocolError) -> HistoryResult {
        let model = try await keeper.catalogModel(id)
        let switches: [RevisionSwitch]
        do {
            switches = try await fetcher.ledger.switches(of: model.id)
        } catch {
            throw ProtocolError(.internal, "the history could not be read: \(error)", hint: "journalctl -u modeld shows more")
        }
        return HistoryResult(
            model: model.id, current: await keeper.integrity(of: model.id)?.manifest.commit,
            revisions: switches.map { HistoryResult.Switch(commit: $0.commit, previous: $0.previous, switched: $0.at, why: $0.why) })
    }
}
