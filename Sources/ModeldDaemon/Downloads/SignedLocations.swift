import ModeldCore
import Synchronization

/// The CDN URL a file's `/resolve` led to, per server, shared by the connections that
/// fetch the file's pieces (``SignedURL``): the first piece learns it, the others go
/// straight there, and one that finds it stale forgets it for all.
final class SignedLocations: Sendable {
    private let known = Mutex<[String: String]>([:])

    func url(for server: String) -> String? { known.withLock { $0[server] } }

    func learn(_ url: String, from server: String) { known.withLock { $0[server] = url } }

    func forget(_ url: String) { known.withLock { $0 = $0.filter { $0.value != url } } }
}
