import Foundation

/// `backup`: where to write the copy of the ledger (an absolute path the daemon may write).
public struct BackupArguments: Codable, Sendable, Equatable {
    public var path: String

    public init(path: String) { self.path = path }
}

/// `backup`: the file written, what it holds, and when.
public struct BackupResult: Codable, Sendable, Equatable {
    public var path: String
    public var bytes: Int64
    public var takenAt: Date
    public var version: String
    /// The ledger's migrations in it; `modeld --restore` refuses one it does not know.
    public var schema: [String]

    public init(path: String, bytes: Int64, takenAt: Date, version: String, schema: [String]) {
        self.path = path
        self.bytes = bytes
        self.takenAt = takenAt
        self.version = version
        self.schema = schema
    }

    enum CodingKeys: String, CodingKey { case path, bytes, takenAt = "taken_at", version, schema }
}
