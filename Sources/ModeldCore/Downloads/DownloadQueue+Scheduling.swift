extension DownloadQueue {
    /// Transfers holding a slot: running, or stopped and not ended yet.
    var slotsTaken: Int { transfers.count }

    /// Starts (or joins) transfers, most urgent job first, while slots are free; pauses a
    /// low-priority job for a critical one waiting for a slot; lets paused-for-critical
    /// jobs go on once no critical work is left; finishes the jobs with nothing left.
    mutating func schedule() -> [Action] {
        guard !stopping else { return [] }
        var actions = goOnAfterCritical()
        for job in jobs.values.sorted(by: Job.servedBefore) where job.isRunnable {
            actions += startOrJoin(for: job.id)
        }
        actions += pauseForCritical()
        for id in jobs.keys.sorted() {
            guard let job = jobs[id], job.pending.isEmpty, job.failure == nil, !job.paused, !isWaiting(id) else { continue }
            jobs[id] = nil
            actions += [.forget(model: id), .finish(job)]
        }
        return actions + jobs.keys.sorted().map { .publish(model: $0) }
    }

    /// Each pending file of the job joins its blob's transfer if one runs (no slot needed),
    /// else starts one if a slot is free. A blob being stopped or discarded waits.
    private mutating func startOrJoin(for id: String) -> [Action] {
        var actions: [Action] = []
        var index = 0
        while let job = jobs[id], index < job.pending.count {
            let file = job.pending[index]
            let blob = job.manifest.blob(of: file)
            if let transfer = transfers[blob] {
                guard !transfer.stopping else {
                    index += 1
                    continue
                }
                transfers[blob]?.waiters[id, default: []].append(file)
            } else if discarding.contains(blob) || slotsTaken >= slots {
                index += 1
                continue
            } else {
                transfers[blob] = BlobTransfer(blob: blob, file: file, fetchedFor: id, commit: job.manifest.commit, waiters: [id: [file]])
                actions.append(.start(blob, file, model: id))
            }
            jobs[id]?.pending.remove(at: index)
        }
        return actions
    }

    /// A critical job still waiting for a slot when all are taken pauses one low-priority
    /// job that alone holds a transfer (pausing it frees a slot once that transfer ends).
    private mutating func pauseForCritical() -> [Action] {
        guard slotsTaken >= slots,
            let critical = order.first(where: { $0.priority == .critical && $0.isRunnable }),
            let victim = order.first(where: { job in
                job.priority == .low && !job.paused && transfers.values.contains { !$0.stopping && $0.waitingModels == [job.id] }
            })
        else { return [] }
        jobs[victim.id]?.paused = true
        jobs[victim.id]?.pausedFor = critical.id
        return [.pausedForCritical(model: victim.id, critical: critical.id)] + hold(victim.id) + [.persist(model: victim.id)]
    }

    private mutating func goOnAfterCritical() -> [Action] {
        let criticalWork = jobs.values.contains { $0.priority == .critical && ($0.isRunnable || isWaiting($0.id)) }
        guard !criticalWork else { return [] }
        var actions: [Action] = []
        for id in jobs.keys.sorted() where jobs[id]?.pausedFor != nil {
            jobs[id]?.paused = false
            jobs[id]?.pausedFor = nil
            actions += [.wentOn(model: id), .persist(model: id)]
        }
        return actions
    }
}
