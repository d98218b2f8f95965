import ModeldCore

/// `pull` and `repair`: what was queued for the model.
public struct PullResult: Codable, Sendable, Equatable {
    public var model: String
    public var state: ModelState
    /// Files to fetch whole, and damaged files to patch.
    public var files: Int
    /// Bytes still to come over the network (what is already on disk is not counted).
    public var bytesNeeded: Int64
    public var priority: Priority
    /// 1 is next; 0 when nothing had to be queued (everything is verified).
    public var queuePosition: Int

    public init(model: String, state: ModelState, files: Int, bytesNeeded: Int64, priority: Priority, queuePosition: Int) {
        self.model = model
        self.state = state
        self.files = files
        self.bytesNeeded = bytesNeeded
        self.priority = priority
        self.queuePosition = queuePosition
    }

    enum CodingKeys: String, CodingKey {
        case model, state, files, bytesNeeded = "bytes_needed", priority, queuePosition = "queue_position"
    }
}

/// `pause`, `resume`, `cancel`: the models affected.
public struct QueueControlResult: Codable, Sendable, Equatable {
    public var models: [String]
    public init(models: [String]) { self.models = models }
}

/// `priority`: the queue in the order it is served.
public struct QueueResult: Codable, Sendable, Equatable {
    public var queue: [Entry]
    public init(queue: [Entry]) { self.queue = queue }

    public struct Entry: Codable, Sendable, Equatable {
        public var model: String
        public var priority: Priority
        public var paused: Bool
        public init(model: String, priority: Priority, paused: Bool) {
            self.model = model
            self.priority = priority
            self.paused = paused
        }
    }
}

/// `limit`: the limits now in force (0 = none).
public struct LimitResult: Codable, Sendable, Equatable {
    public var bytesPerSecond: Int64
    /// Per-model limits, by model id; models without one are absent.
    public var models: [String: Int64]
    public init(bytesPerSecond: Int64, models: [String: Int64]) {
        self.bytesPerSecond = bytesPerSecond
        self.models = models
    }
    enum CodingKeys: String, CodingKey { case bytesPerSecond = "bytes_per_s", models }
}
