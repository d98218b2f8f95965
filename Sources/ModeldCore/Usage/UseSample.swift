import Foundation

/// One use of a model as the daily aggregate counts it: a lease released or a generation
/// reported, with the figures the service gave (any may be missing).
public struct UseSample: Sendable, Equatable {
    public var at: Date
    /// Nil: the service did not say how it went.
    public var success: Bool?
    public var durationSeconds: Double?
    public var secondsPerStep: Double?

    public init(at: Date, success: Bool?, durationSeconds: Double? = nil, secondsPerStep: Double? = nil) {
        self.at = at
        self.success = success
        self.durationSeconds = durationSeconds
        self.secondsPerStep = secondsPerStep
    }
}
