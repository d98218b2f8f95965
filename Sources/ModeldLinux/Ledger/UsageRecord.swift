import Foundation
import GRDB

/// One use of a model (STORE.md: usage events): a lease released or dropped, or a
/// generation reported. The usage analytics are built from these rows.
public struct UsageRecord: Sendable, Equatable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "usage"

    /// How the use came to be known.
    public enum Source: String, Sendable, Codable {
        /// `release` of a lease.
        case release
        /// The connection that held the lease closed without releasing it.
        case disconnect
        /// `report`.
        case report
    }

    public var id: Int64?
    public var model: String
    public var commit: String?
    public var at: Date
    public var durationSeconds: Double?
    /// nil: the client did not say.
    public var success: Bool?
    public var source: Source
    /// Other figures a `report` carried, as a JSON object.
    public var metrics: String?

    public init(
        model: String, commit: String?, at: Date, durationSeconds: Double?, success: Bool?, source: Source, metrics: String? = nil
    ) {
        self.model = model
        self.commit = commit
        self.at = at
        self.durationSeconds = durationSeconds
        self.success = success
        self.source = source
        self.metrics = metrics
    }

    enum CodingKeys: String, CodingKey {
        case id, model, commit, at, durationSeconds = "duration_s", success, source, metrics
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
