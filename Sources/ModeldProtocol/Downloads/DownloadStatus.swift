import ModeldCore

/// `download` in a model's status, while a download or repair is queued, running,
/// paused or failed.
public struct DownloadStatus: Codable, Sendable, Equatable {
    /// 0…1 of `bytes_total`.
    public var progress: Double
    public var bytesDone: Int64
    public var bytesTotal: Int64
    /// A moving average over the last seconds.
    public var speedBytesPerSecond: Int64
    /// Nil while the speed is unknown or zero.
    public var etaSeconds: Int64?
    /// Retries spent so far in this download.
    public var retries: Int
    public var priority: Priority
    public var paused: Bool
    /// The last thing that went wrong (the failure, once retries are spent).
    public var lastError: ProtocolError?
    /// Plain-words steps for a person, once the download failed or paused on an error.
    public var steps: [String]?
    /// The model's own limit in bytes per second, when it has one.
    public var bytesPerSecondLimit: Int64?
    /// huggingface_hub's lock files held by another program (`hf`, `diffusers`) fetching
    /// the same blobs: this download waits for them, then takes what they published once
    /// it is verified.
    public var waitingFor: [String]?

    public init(
        progress: Double, bytesDone: Int64, bytesTotal: Int64, speedBytesPerSecond: Int64, etaSeconds: Int64?, retries: Int,
        priority: Priority, paused: Bool, lastError: ProtocolError? = nil, steps: [String]? = nil, bytesPerSecondLimit: Int64? = nil,
        waitingFor: [String]? = nil
    ) {
        self.progress = progress
        self.bytesDone = bytesDone
        self.bytesTotal = bytesTotal
        self.speedBytesPerSecond = speedBytesPerSecond
        self.etaSeconds = etaSeconds
        self.retries = retries
        self.priority = priority
        self.paused = paused
        self.lastError = lastError
        self.steps = steps
        self.bytesPerSecondLimit = bytesPerSecondLimit
        self.waitingFor = waitingFor
    }

    enum CodingKeys: String, CodingKey {
        case progress, bytesDone = "bytes_done", bytesTotal = "bytes_total", speedBytesPerSecond = "speed_bps"
        case etaSeconds = "eta_s", retries, priority, paused, lastError = "last_error", steps
        case bytesPerSecondLimit = "limit_bytes_per_s", waitingFor = "waiting_for"
    }

    /// `last_error` is written as null when there is none, as PROTOCOL.md shows it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(progress, forKey: .progress)
        try c.encode(bytesDone, forKey: .bytesDone)
        try c.encode(bytesTotal, forKey: .bytesTotal)
        try c.encode(speedBytesPerSecond, forKey: .speedBytesPerSecond)
        try c.encode(etaSeconds, forKey: .etaSeconds)
        try c.encode(retries, forKey: .retries)
        try c.encode(priority, forKey: .priority)
        try c.encode(paused, forKey: .paused)
        try c.encode(lastError, forKey: .lastError)
        try c.encodeIfPresent(steps, forKey: .steps)
        try c.encodeIfPresent(bytesPerSecondLimit, forKey: .bytesPerSecondLimit)
        try c.encodeIfPresent(waitingFor, forKey: .waitingFor)
    }
}
