import Synchronization

/// How far inotify covers the store, as the watcher last found it: written by the
/// watcher, read by `doctor` (which compares it with the watch limit).
final class WatchCoverage: Sendable {
    struct Reading: Sendable {
        /// The folders to watch that exist now; nil until the watcher first looked.
        var needed: Int?
        /// Whether inotify ran out of watches (`fs.inotify.max_user_watches`).
        var exhausted = false
        /// Why inotify could not be used at all, if it could not.
        var unavailable: String?
    }

    private let state = Mutex(Reading())

    var reading: Reading { state.withLock { $0 } }

    func update<T>(_ change: (inout Reading) -> T) -> T { state.withLock { change(&$0) } }
}
