import ModeldCore

/// `acquire`'s answer. Ready: `model`, `path` (the leased commit's own snapshot folder,
/// which no update moves), `link` (the stable per-model link), `commit`, `lease`. Not ready: `state`,
/// `strategy`, `eta_s`, `queue_position`, `alternatives`, `message`, `hint` (PROTOCOL.md),
/// and `setup` when no model at all is ready.
public struct AcquireResult: Codable, Sendable, Equatable {
    public var ready: Bool
    public var model: String
    public var path: String?
    public var link: String?
    public var commit: String?
    public var lease: String?
    public var state: ModelState?
    public var strategy: AcquireStrategy?
    public var etaSeconds: Int64?
    public var queuePosition: Int?
    public var alternatives: [Alternative]?
    public var message: String?
    public var hint: String?
    public var setup: SetupAdvice?

    public static func ready(model: String, path: String, link: String, commit: String, lease: String) -> AcquireResult {
        AcquireResult(ready: true, model: model, path: path, link: link, commit: commit, lease: lease)
    }

    public static func notReady(
        model: String, state: ModelState, advice: AcquireAdvisor.Advice, etaSeconds: Int64?, queuePosition: Int?,
        alternatives: [Alternative], setup: SetupAdvice?
    ) -> AcquireResult {
        AcquireResult(
            ready: false, model: model, state: state, strategy: advice.strategy, etaSeconds: etaSeconds,
            queuePosition: queuePosition, alternatives: alternatives, message: advice.message, hint: advice.hint, setup: setup)
    }

    public init(
        ready: Bool, model: String, path: String? = nil, link: String? = nil, commit: String? = nil, lease: String? = nil, state: ModelState? = nil,
        strategy: AcquireStrategy? = nil, etaSeconds: Int64? = nil, queuePosition: Int? = nil, alternatives: [Alternative]? = nil,
        message: String? = nil, hint: String? = nil, setup: SetupAdvice? = nil
    ) {
        self.ready = ready
        self.model = model
        self.path = path
        self.link = link
        self.commit = commit
        self.lease = lease
        self.state = state
        self.strategy = strategy
        self.etaSeconds = etaSeconds
        self.queuePosition = queuePosition
        self.alternatives = alternatives
        self.message = message
        self.hint = hint
        self.setup = setup
    }

    enum CodingKeys: String, CodingKey {
        case ready, model, path, link, commit, lease, state, strategy, etaSeconds = "eta_s", queuePosition = "queue_position"
        case alternatives, message, hint, setup
    }

    /// Each answer carries its own fields; an unknown ETA or queue position is `null`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ready, forKey: .ready)
        try c.encode(model, forKey: .model)
        if ready {
            try c.encode(path, forKey: .path)
            try c.encode(link, forKey: .link)
            try c.encode(commit, forKey: .commit)
            try c.encode(lease, forKey: .lease)
            return
        }
        try c.encode(state, forKey: .state)
        try c.encode(strategy, forKey: .strategy)
        try c.encode(etaSeconds, forKey: .etaSeconds)
        try c.encode(queuePosition, forKey: .queuePosition)
        try c.encode(alternatives ?? [], forKey: .alternatives)
        try c.encode(message, forKey: .message)
        try c.encode(hint, forKey: .hint)
        try c.encodeIfPresent(setup, forKey: .setup)
    }
}

/// `release`: the lease ended, and how long it was held.
public struct ReleaseResult: Codable, Sendable, Equatable {
    public var lease: String
    public var model: String
    public var heldSeconds: Double

    public init(lease: String, model: String, heldSeconds: Double) {
        self.lease = lease
        self.model = model
        self.heldSeconds = heldSeconds
    }

    enum CodingKeys: String, CodingKey { case lease, model, heldSeconds = "held_s" }
}

/// `report`: the figures were recorded.
public struct ReportResult: Codable, Sendable, Equatable {
    public var model: String
    public var recorded: Bool
    public init(model: String, recorded: Bool) {
        self.model = model
        self.recorded = recorded
    }
}

/// `suggest`: ranked alternatives for the model asked for, the GPU memory they were
/// measured against (null: unknown), and set-up advice when no model is ready.
public struct SuggestResult: Codable, Sendable, Equatable {
    public var model: String
    public var vramGB: Int?
    public var alternatives: [Alternative]
    public var setup: SetupAdvice?

    public init(model: String, vramGB: Int?, alternatives: [Alternative], setup: SetupAdvice?) {
        self.model = model
        self.vramGB = vramGB
        self.alternatives = alternatives
        self.setup = setup
    }

    enum CodingKeys: String, CodingKey { case model, vramGB = "vram_gb", alternatives, setup }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(vramGB, forKey: .vramGB)
        try c.encode(alternatives, forKey: .alternatives)
        try c.encodeIfPresent(setup, forKey: .setup)
    }
}
