import ModeldCore

/// One model in `status`, as PROTOCOL.md shows it. Fields a later part of the daemon
/// fills (files, download, verify, update, usage) are absent until it does.
public struct ModelStatus: Codable, Sendable, Equatable {
    public var model: String
    public var repo: String
    public var revision: String
    public var commit: String?
    public var state: ModelState
    public var ready: Bool
    /// The stable path a generation service passes as `--ckpt_dir`.
    public var path: String
    public var sizeBytes: Int64?
    public var presentBytes: Int64?
    public var pinned: Bool
    /// Why the model is in this state, in a few words.
    public var reason: String?
    public var actions: [Action]

    public init(
        model: String, repo: String, revision: String, commit: String? = nil, state: ModelState, ready: Bool,
        path: String, sizeBytes: Int64? = nil, presentBytes: Int64? = nil, pinned: Bool, reason: String? = nil,
        actions: [Action] = []
    ) {
        self.model = model
        self.repo = repo
        self.revision = revision
        self.commit = commit
        self.state = state
        self.ready = ready
        self.path = path
        self.sizeBytes = sizeBytes
        self.presentBytes = presentBytes
        self.pinned = pinned
        self.reason = reason
        self.actions = actions
    }

    enum CodingKeys: String, CodingKey {
        case model, repo, revision, commit, state, ready, path, sizeBytes = "size_bytes"
        case presentBytes = "present_bytes", pinned, reason, actions
    }

    /// Something a person can do about the model, with the reason to do it.
    public struct Action: Codable, Sendable, Equatable {
        public var command: String
        public var why: String
        public init(command: String, why: String) {
            self.command = command
            self.why = why
        }
    }
}
