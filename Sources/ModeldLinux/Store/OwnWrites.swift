import Synchronization

/// Paths the daemon itself just wrote (refs, kept manifests, snapshot and stable links,
/// and the folders made for them), so the watcher does not take them for outside changes.
/// An entry lasts a few seconds: long enough for inotify to report it, short enough that
/// a real change soon after is not hidden.
public final class OwnWrites: Sendable {
    public static let lifetime: Duration = .seconds(5)
    private let recent = Mutex<[String: ContinuousClock.Instant]>([:])

    public init() {}

    public func note(_ paths: String...) {
        let expiry = ContinuousClock.now + Self.lifetime
        recent.withLock { recent in
            for path in paths { recent[path] = expiry }
        }
    }

    /// Whether `path` is one of ours; forgets what has expired.
    public func contains(_ path: String) -> Bool {
        let now = ContinuousClock.now
        return recent.withLock { recent in
            recent = recent.filter { $0.value > now }
            return recent[path] != nil
        }
    }
}
