import Foundation
import ModeldCore
import ModeldLinux
import ModeldProtocol

/// What the Downloader tells the Keeper and the ledger: each model's download as it
/// stands, the files that came in, and the end of a job.
extension Downloader {
    /// The model's download as the Keeper shows it. A blob several models wait for counts
    /// in each one's progress.
    func publish(_ id: String) async {
        let endpoint = await keeper.config.hub.endpoint
        guard let job = queue.jobs[id] else { return }
        let live = queue.awaited(by: id).reduce(Int64(0)) { sum, awaited in
            sum + min(awaited.remaining, running[awaited.blob]?.progress?.fetched ?? 0)
        }
        let now = Self.origin.duration(to: .now).inSeconds
        let meter = queue.measure(id, fetched: job.fetchedFinished + job.bytesKept + live, now: now) ?? job.meter
        let done = job.bytesSettled + live
        let phase: DownloadRecord.Phase =
            job.failure != nil ? .failed : job.paused ? .paused : queue.isWaiting(id) ? .running : .queued
        let error = job.failure ?? job.pauseError
        let waitingFor = queue.awaited(by: id).compactMap { running[$0.blob]?.progress?.waitingFor }
        await keeper.downloadChanged(id, DownloadRecord(
            phase: phase, repairing: job.repairing, priority: job.priority, pausedFor: job.pausedFor, bytesDone: done,
            bytesTotal: job.bytesTotal, speed: phase == .running ? meter.bytesPerSecond(now: now) : 0,
            eta: phase == .running ? meter.etaSeconds(remaining: job.bytesTotal - done, now: now) : nil,
            retries: job.retries, lastError: error,
            steps: error.map { DownloadFailure.steps(for: $0, model: job.model, endpoint: endpoint) },
            limit: modelLimits[id], waitingFor: waitingFor.sorted()))
    }

    private static let origin = ContinuousClock.now

    /// One file of the model is in. The Keeper hears it only while the model's manifest is
    /// still the job's (a reload may have given it another).
    func fileDone(_ file: ManifestFile, of id: String, manifest: Manifest, fetched: Int64, repaired: Bool) async {
        guard await isCurrent(manifest, of: id) else { return }
        if repaired {
            logger.notice("\(id): \(file.path) repaired with \(ByteSize.format(fetched)) fetched", metadata: ["model": "\(id)", "file": "\(file.path)"])
            events.publish(Event(.repairDone(model: id, file: file.path, bytesFetched: fetched)))
        }
        await keeper.published(file, of: id)
    }

    /// Every file is in: each is checked once more (a stat against the ledger: one file
    /// could have been removed or changed meanwhile), then the model's path points at it
    /// — unless the model's manifest is another by now, so an older job never points the
    /// stable link back at an older snapshot.
    func finish(_ job: Queue.Job) async {
        let id = job.id
        guard await isCurrent(job.manifest, of: id) else {
            logger.notice(
                "\(id): the download of commit \(job.manifest.commit.prefix(12)) ended, but the model follows another manifest now; its path stays",
                metadata: ["model": "\(id)"])
            if queue.jobs[id] == nil { await keeper.downloadChanged(id, nil) }
            return
        }
        await keeper.downloadChanged(id, DownloadRecord(
            phase: .verifying, repairing: job.repairing, priority: job.priority, bytesDone: job.bytesTotal, bytesTotal: job.bytesTotal,
            retries: job.retries))
        for file in job.manifest.files {
            let began = await keeper.checkTicket()
            let condition = await fetcher.verifier.check(file, of: job.manifest, depth: .changed)
            await keeper.record(condition, for: file, of: id, source: .download, checkBegan: began)
        }
        if await isCurrent(job.manifest, of: id) { await linker.pointIfVerified(job.model, commit: job.manifest.commit) }
        if queue.jobs[id] == nil { await keeper.downloadChanged(id, nil) }
        logger.notice(
            "\(id): \(job.repairing ? "repaired" : "downloaded"), \(ByteSize.format(job.fetchedFinished)) fetched, \(job.retries) retries",
            metadata: ["model": "\(id)"])
        events.publish(Event(.downloadDone(model: id, bytesFetched: job.fetchedFinished, retries: job.retries)))
        do {
            try await ledger.record(WorkRecord(
                model: id, kind: .download, bytes: job.fetchedFinished, seconds: Date().timeIntervalSince(job.queuedAt), retries: job.retries))
        } catch {
            logger.warning("\(id): the download's figures could not be recorded: \(error)", metadata: ["model": "\(id)"])
        }
    }

    /// Whether `manifest` is the one the Keeper checks the model against now.
    private func isCurrent(_ manifest: Manifest, of id: String) async -> Bool {
        await keeper.integrity(of: id)?.manifest == manifest
    }

    func persist(_ id: String) async {
        guard let job = queue.jobs[id] else { return }
        do {
            try await ledger.record(QueuedDownload(model: id, priority: job.priority, paused: job.paused, position: job.position))
        } catch {
            logger.error("the download queue could not be saved: \(error)")
        }
    }

    func applyGlobalLimit() async {
        let configured = await keeper.config.downloads.bytesPerSecond.bytes
        let limit = await keeper.globalLimit ?? configured
        guard limit != appliedGlobalLimit else { return }
        engine.setLimit(limit)
        appliedGlobalLimit = limit
    }
}
