import Synchronization

/// Paths the daemon itself just wrote (refs, kept manifests, snapshot and stable links,
/// and the folders made for them), so the watcher does not take them for outside changes.
/// An entry lasts a few seconds: long enough for inotify to report it, short enough that
/// a real change soon after is not hidden.
///
/// An entry also says what the daemon did, and only that is hidden: it writes bytes only
/// into its temporary files, puts a final name (a blob, a ref, a link) in place by making
/// it or renaming a whole file over it, and removes one only through `Store.remove`
/// (STORE.md). So bytes written into a final name, or a final name removed, right after
/// the daemon put it there is someone else's doing: taken for its own, a blob damaged
/// or a link removed in the seconds after its download would go unchecked until the
/// next scrub.
public final class OwnWrites: Sendable {
    /// What the daemon did to a path.
    public enum Write: Sendable {
        /// Wrote bytes into it (its temporary files): every change to it is ours.
        case inPlace
        /// Made it, or renamed a whole file over it.
        case putInPlace
        /// Removed it.
        case removed
    }

    /// What inotify saw happen to a path.
    public enum Change: Sendable {
        case bytesWritten
        case removed
        /// Made, renamed over, attributes changed.
        case other
    }

    public static let lifetime: Duration = .seconds(5)
    private let recent = Mutex<[String: (expiry: ContinuousClock.Instant, write: Write)]>([:])

    public init() {}

    public func note(_ write: Write, _ paths: String...) {
        let expiry = ContinuousClock.now + Self.lifetime
        recent.withLock { recent in
            for path in paths { recent[path] = (expiry, write) }
        }
    }

    /// Whether `change` to `path` is one of ours; forgets what has expired.
    public func contains(_ path: String, _ change: Change) -> Bool {
        let now = ContinuousClock.now
        return recent.withLock { recent in
            recent = recent.filter { $0.value.expiry > now }
            switch (recent[path]?.write, change) {
            case (nil, _): return false
            case (.inPlace, _): return true
            case (.putInPlace, .other), (.removed, .removed), (.removed, .other): return true
            case (.putInPlace, .bytesWritten), (.putInPlace, .removed), (.removed, .bytesWritten): return false
            }
        }
    }
}
