extension DownloadQueue {
    /// A blob's transfer ended. Its slot is free; what it means for each model that waited
    /// for it follows from `outcome`.
    public mutating func transferEnded(_ blob: BlobKey, _ outcome: TransferOutcome<Failure>) -> [Action] {
        guard let transfer = transfers.removeValue(forKey: blob) else { return schedule() }
        var actions: [Action] = []
        if transfer.discardWhenEnded, !jobs.values.contains(where: { $0.manifest.needs(blob) }), discarding.insert(blob).inserted {
            actions.append(.discard(blob))
        }
        // A failure while the daemon stops is one of the stop itself (a pool closed).
        let outcome: TransferOutcome<Failure> = stopping ? .stopped(kept: 0) : outcome
        for id in transfer.waitingModels {
            let files = transfer.waiters[id] ?? []
            switch outcome {
            case .succeeded(let fetched, let repaired):
                actions += filesArrived(files, of: id, by: transfer, fetched: fetched, repaired: repaired)
            case .stopped(let kept):
                // Models still waiting paused (or the daemon stops): the bytes stay for them.
                jobs[id]?.pending.insert(contentsOf: files, at: 0)
                for file in files {
                    let credit = min(kept, jobs[id]?.remaining(file) ?? 0)
                    jobs[id]?.kept[file.path, default: 0] += credit
                }
            case .noSpace(let error):
                jobs[id]?.pending.insert(contentsOf: files, at: 0)
                actions += pauseOnError(id, error)
            case .failed(let error):
                jobs[id]?.pending.insert(contentsOf: files, at: 0)
                actions += fail(id, error)
            }
        }
        return actions + schedule()
    }

    /// A retry of the blob's transfer: each waiting model counts it. Returns those models.
    public mutating func retried(_ blob: BlobKey) -> [String] {
        let models = transfers[blob]?.waitingModels ?? []
        for id in models { jobs[id]?.retries += 1 }
        return models
    }

    /// The blob's partial data is gone; it may be fetched again.
    public mutating func discarded(_ blob: BlobKey) -> [Action] {
        discarding.remove(blob)
        return schedule()
    }

    /// The fetch linked the blob under the fetching model's snapshot path only: a file of
    /// another snapshot (another commit) or another path of the same bytes goes back to
    /// pending, and its next fetch finds the blob here and links it, moving no bytes.
    private mutating func filesArrived(
        _ files: [ManifestFile], of id: String, by transfer: BlobTransfer, fetched: Int64, repaired: Bool
    ) -> [Action] {
        guard let job = jobs[id] else { return [] }
        var actions: [Action] = []
        for file in files {
            guard job.manifest.commit == transfer.commit, file.path == transfer.file.path else {
                jobs[id]?.pending.insert(file, at: 0)
                continue
            }
            jobs[id]?.bytesFinished += job.planned(file)
            jobs[id]?.kept[file.path] = nil
            jobs[id]?.fetchedFinished += fetched
            actions.append(.fileDone(model: id, file, of: job.manifest, fetched: fetched, repaired: repaired))
        }
        return actions
    }

    /// The disk is full: the model pauses with the error, keeping every byte fetched.
    private mutating func pauseOnError(_ id: String, _ error: Failure) -> [Action] {
        guard let job = jobs[id] else { return [] }
        jobs[id]?.paused = true
        jobs[id]?.pausedFor = nil
        jobs[id]?.pauseError = error
        return (job.pauseError == nil ? [.pausedOnError(model: id, error)] : []) + hold(id) + [.persist(model: id)]
    }

    /// Retries are spent: the job fails (once) and stops waiting for its other transfers.
    private mutating func fail(_ id: String, _ error: Failure) -> [Action] {
        guard let job = jobs[id], job.failure == nil else { return [] }
        jobs[id]?.failure = error
        return hold(id) + [.failed(model: id, error), .forget(model: id)]
    }
}
