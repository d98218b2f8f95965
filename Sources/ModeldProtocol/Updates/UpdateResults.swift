import Foundation

/// `update`: per model, its current commit and what the hub names now; `applied` when
/// this call switched it, `started` when the new snapshot is being staged.
public struct UpdateResult: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var model: String
        public var current: String?
        public var update: UpdateStatus
        /// Why nothing is checked or applied for this model (pinned to a commit, offline…).
        public var note: String?
        public var applied: Bool

        public init(model: String, current: String?, update: UpdateStatus, note: String? = nil, applied: Bool = false) {
            self.model = model
            self.current = current
            self.update = update
            self.note = note
            self.applied = applied
        }
    }

    public var models: [Entry]

    public init(models: [Entry]) {
        self.models = models
    }
}

/// `rollback`: the commit the model left and the one it is back on.
public struct RollbackResult: Codable, Sendable, Equatable {
    public var model: String
    public var from: String
    public var to: String

    public init(model: String, from: String, to: String) {
        self.model = model
        self.from = from
        self.to = to
    }
}

/// `history`: the model's revisions, newest first, with when and why each became current.
public struct HistoryResult: Codable, Sendable, Equatable {
    public struct Switch: Codable, Sendable, Equatable {
        public var commit: String
        public var previous: String?
        public var switched: Date
        public var why: String

        public init(commit: String, previous: String?, switched: Date, why: String) {
            self.commit = commit
            self.previous = previous
            self.switched = switched
            self.why = why
        }
    }

    public var model: String
    public var current: String?
    public var revisions: [Switch]

    public init(model: String, current: String?, revisions: [Switch]) {
        self.model = model
        self.current = current
        self.revisions = revisions
    }
}
