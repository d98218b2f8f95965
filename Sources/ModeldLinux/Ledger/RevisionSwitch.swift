import Foundation
import GRDB

/// One time a model's current commit changed (an update applied, a rollback): written
/// before `refs/` and the stable link move, so the history never misses a switch that
/// happened. `history` reads them; `rollback` finds the commit to go back to.
public struct RevisionSwitch: Sendable, Equatable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "revision_switch"

    public var model: String
    public var commit: String
    /// The commit it replaced.
    public var previous: String?
    public var at: Date
    /// `update`, `rollback: <reason>`, …
    public var why: String

    public init(model: String, commit: String, previous: String?, at: Date = Date(), why: String) {
        self.model = model
        self.commit = commit
        self.previous = previous
        self.at = at
        self.why = why
    }
}
