/// How a blob's transfer ended, as the fetch reports it.
public enum TransferOutcome<Failure: Error & Sendable & Equatable>: Sendable, Equatable {
    /// The blob is in place and linked under the fetching model's snapshot.
    case succeeded(fetched: Int64, repaired: Bool)
    /// Stopped on request (or by the daemon's stop): the `kept` bytes it wrote stay,
    /// journaled, for the next transfer of the blob.
    case stopped(kept: Int64)
    /// The store's filesystem is full.
    case noSpace(Failure)
    /// Retries spent, or no retry can help.
    case failed(Failure)
}
