/// What the ``DownloadQueue`` asks its owner to carry out, in order.
public enum QueueAction<Failure: Error & Sendable & Equatable>: Sendable, CustomStringConvertible {
    /// Fetch `file` (stored as `blob`) under `model`'s manifest; end with `transferEnded`.
    case start(BlobKey, ManifestFile, model: String)
    /// Cancel the blob's transfer; it still ends with `transferEnded`.
    case stop(BlobKey)
    /// Remove the blob's partial data and journal; end with `discarded`.
    case discard(BlobKey)
    /// `file` of `model`'s `manifest` is in: record it verified (the job may have left the
    /// queue by the time this is carried out).
    case fileDone(model: String, ManifestFile, of: Manifest, fetched: Int64, repaired: Bool)
    /// Every file of the job is in (it has left the queue): check each once more and point
    /// the model's path at the snapshot.
    case finish(QueuedJob<Failure>)
    /// The job failed (it stays in the queue, failed, until pulled again or cancelled).
    case failed(model: String, Failure)
    /// The job paused on an error (told once, not at every file it stops).
    case pausedOnError(model: String, Failure)
    case pausedForCritical(model: String, critical: String)
    /// A job paused for a critical one goes on: no critical work is left.
    case wentOn(model: String)
    /// Save the job's queue entry (priority, paused, position).
    case persist(model: String)
    /// Drop the model's queue entry: it is no longer queued.
    case forget(model: String)
    /// The model has no download any more (cancelled, or gone from the catalog).
    case ended(model: String)
    /// Tell the model's download as it stands now.
    case publish(model: String)
    /// Queue the model again once its new catalog entry has been checked.
    case pullAgain(model: String, priority: Priority)

    public var description: String {
        switch self {
        case .start(let blob, let file, let model): "start \(file.path) (\(blob)) for \(model)"
        case .stop(let blob): "stop \(blob)"
        case .discard(let blob): "discard \(blob)"
        case .fileDone(let model, let file, _, let fetched, let repaired): "\(model): \(file.path) \(repaired ? "repaired" : "done"), \(fetched) fetched"
        case .finish(let job): "finish \(job.id)"
        case .failed(let model, let error): "\(model) failed: \(error)"
        case .pausedOnError(let model, let error): "\(model) paused: \(error)"
        case .pausedForCritical(let model, let critical): "\(model) paused for \(critical)"
        case .wentOn(let model): "\(model) goes on"
        case .persist(let model): "persist \(model)"
        case .forget(let model): "forget \(model)"
        case .ended(let model): "\(model) ended"
        case .publish(let model): "publish \(model)"
        case .pullAgain(let model, let priority): "pull \(model) again (\(priority.rawValue))"
        }
    }
}
