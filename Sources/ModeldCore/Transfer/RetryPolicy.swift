import Foundation

/// Which failed requests are worth another try (STORE.md, Transfers): connection trouble,
/// timeouts, resets, stalls and the statuses 408, 429, 500, 502, 503, 504 are; 401 and
/// 403 (a gated repo: a token is needed), 404 (wrong repo, revision or file) and other
/// answers are not — retrying them only delays the message a person needs.
public enum RetryPolicy {
    public enum Verdict: Sendable, Equatable {
        case retry
        /// Stop now; `kind` says what the person must do about it.
        case giveUp(HubFailure.Kind)
    }

    public static let retriedStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]

    /// For an HTTP status that ended a request unsuccessfully (not 2xx).
    public static func verdict(status: Int) -> Verdict {
        switch status {
        case _ where retriedStatuses.contains(status): .retry
        case 401, 403: .giveUp(.gated)
        case 404, 410: .giveUp(.notFound)
        default: .giveUp(.hubError)
        }
    }

    /// `Retry-After` as seconds (`120`) or an HTTP date is honoured only as seconds here:
    /// the hub and its CDN send seconds. Nil when absent or unreadable.
    public static func retryAfter(_ header: String?) -> TimeSpan? {
        guard let header, let seconds = Int64(header.trimmingCharacters(in: .whitespaces)), seconds >= 0 else { return nil }
        return .seconds(min(seconds, 3600))
    }
}
