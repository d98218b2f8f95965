import ModeldCore

/// `pull`: the model, and the queue priority it takes (its catalog priority otherwise).
public struct PullArguments: Codable, Sendable {
    public var model: String
    public var priority: Priority?
    public init(model: String, priority: Priority? = nil) {
        self.model = model
        self.priority = priority
    }
}

/// `pause`, `resume`, `cancel`: one model, or every model with `all: true`. `discard`
/// (cancel only) drops the partial data too; verified files always stay.
public struct QueueControlArguments: Codable, Sendable {
    public var model: String?
    public var all: Bool?
    public var discard: Bool?
    public init(model: String? = nil, all: Bool? = nil, discard: Bool? = nil) {
        self.model = model
        self.all = all
        self.discard = discard
    }
}

/// `priority`: a level, or `first: true` to put the model ahead of everything.
public struct PriorityArguments: Codable, Sendable {
    public var model: String
    public var level: Priority?
    public var first: Bool?
    public init(model: String, level: Priority? = nil, first: Bool? = nil) {
        self.model = model
        self.level = level
        self.first = first
    }
}

/// `limit`: bytes per second (0 = none), for every download or for one model.
public struct LimitArguments: Codable, Sendable {
    public var bytesPerSecond: Int64
    public var model: String?
    public init(bytesPerSecond: Int64, model: String? = nil) {
        self.bytesPerSecond = bytesPerSecond
        self.model = model
    }
    enum CodingKeys: String, CodingKey { case bytesPerSecond = "bytes_per_s", model }
}
