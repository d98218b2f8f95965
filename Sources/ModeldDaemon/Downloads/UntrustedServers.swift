import Synchronization

/// The servers already reported as not trusted (their TLS certificate, or the CA file):
/// every file and piece asked of one fails the same way, and a pull of many shards
/// should say so once, not once per piece.
final class UntrustedServers: Sendable {
    private let reported = Mutex<Set<String>>([])

    /// Whether `server` is reported for the first time (and now counts as reported).
    func isNew(_ server: String) -> Bool { reported.withLock { $0.insert(server).inserted } }
}
