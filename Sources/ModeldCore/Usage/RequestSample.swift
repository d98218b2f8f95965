import Foundation

/// A request a generation service made for a model, as the daily aggregate counts it: how
/// often services asked, how long `acquire` kept them waiting and how often all they got
/// was permission to mock.
public struct RequestSample: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, Equatable {
        case acquire, suggest
    }

    public var at: Date
    public var kind: Kind
    /// How long the caller waited for the answer (an `acquire` with `wait_s` may wait long).
    public var waitedSeconds: Double
    /// The `strategy` the answer carried (`AcquireStrategy`'s raw values, or `ready`); nil
    /// when it carried none.
    public var strategy: String?

    public init(at: Date, kind: Kind, waitedSeconds: Double = 0, strategy: String? = nil) {
        self.at = at
        self.kind = kind
        self.waitedSeconds = waitedSeconds
        self.strategy = strategy
    }

    /// Nothing could serve the caller: it fell back to mock output.
    public var isMockFallback: Bool {
        kind == .acquire && strategy == AcquireStrategy.mockGeneration.rawValue
    }
}
