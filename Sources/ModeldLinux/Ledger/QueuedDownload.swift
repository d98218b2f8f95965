import GRDB
import ModeldCore

/// A model in the download queue, so a restart picks up where it was (STORE.md: queue
/// state survives). `position` orders models of the same priority.
public struct QueuedDownload: Sendable, Equatable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "download_queue"

    public var model: String
    public var priority: Priority
    public var paused: Bool
    public var position: Int64

    public init(model: String, priority: Priority, paused: Bool, position: Int64) {
        self.model = model
        self.priority = priority
        self.paused = paused
        self.position = position
    }
}
