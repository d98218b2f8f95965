/// What a generation service should do when the model it asked for is not ready
/// (PROTOCOL.md, acquire).
public enum AcquireStrategy: String, Sendable, Codable, Equatable {
    /// The model is on its way (downloading, queued, being checked): the wait can go on.
    case queueAndWait = "queue_and_wait"
    /// The daemon has just started what the model lacks: ask again, or wait.
    case downloadAndRetry = "download_and_retry"
    /// Another model that is ready can serve the job.
    case alternativeModel = "alternative_model"
    /// Nothing can serve the job: only mock output is possible until someone acts.
    case mockGeneration = "mock_generation"
}
