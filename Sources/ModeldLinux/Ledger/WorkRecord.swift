import Foundation
import GRDB
import ModeldCore

/// One finished download or verification of a model, by the daemon itself: the history
/// behind `usage`'s throughput and verify speed.
public struct WorkRecord: Sendable, Equatable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "work"

    public var id: Int64?
    public var model: String
    public var at: Date
    public var kind: WorkSample.Kind
    public var bytes: Int64
    public var seconds: Double
    public var retries: Int

    public init(model: String, at: Date = Date(), kind: WorkSample.Kind, bytes: Int64, seconds: Double, retries: Int = 0) {
        self.model = model
        self.at = at
        self.kind = kind
        self.bytes = bytes
        self.seconds = seconds
        self.retries = retries
    }

    public var sample: WorkSample { WorkSample(at: at, kind: kind, bytes: bytes, seconds: seconds, retries: retries) }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
