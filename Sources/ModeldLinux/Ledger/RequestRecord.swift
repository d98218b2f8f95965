import Foundation
import GRDB
import ModeldCore

/// One `acquire` or `suggest` of a catalog model: how long the caller waited and what it
/// was told. Mock fallbacks (the cost of a missing model) and preload advice come from these.
public struct RequestRecord: Sendable, Equatable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "request"

    public var id: Int64?
    public var model: String
    public var at: Date
    public var kind: RequestSample.Kind
    public var waitedSeconds: Double
    /// `acquire`'s answer: `ready`, or the strategy it gave (`mock_generation`, …).
    public var strategy: String?

    public init(model: String, at: Date = Date(), kind: RequestSample.Kind, waitedSeconds: Double = 0, strategy: String? = nil) {
        self.model = model
        self.at = at
        self.kind = kind
        self.waitedSeconds = waitedSeconds
        self.strategy = strategy
    }

    public var sample: RequestSample { RequestSample(at: at, kind: kind, waitedSeconds: waitedSeconds, strategy: strategy) }

    enum CodingKeys: String, CodingKey { case id, model, at, kind, waitedSeconds = "waited_s", strategy }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
