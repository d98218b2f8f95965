import Foundation

/// Work the daemon did for a model, as the daily aggregate counts it: a download or a
/// verification finished, so usage can set what a model costs beside what it is used for.
public struct WorkSample: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, Equatable {
        case download, verify
    }

    public var at: Date
    public var kind: Kind
    public var bytes: Int64
    public var seconds: Double
    /// Attempts after the first (a verification has none).
    public var retries: Int

    public init(at: Date, kind: Kind, bytes: Int64, seconds: Double, retries: Int = 0) {
        self.at = at
        self.kind = kind
        self.bytes = bytes
        self.seconds = seconds
        self.retries = retries
    }
}
