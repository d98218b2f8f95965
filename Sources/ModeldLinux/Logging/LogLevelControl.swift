import Logging
import Synchronization

/// The daemon's log level, shared by its handlers so `reload` can change it at once.
public final class LogLevelControl: Sendable {
    private let storage: Mutex<Logger.Level>

    public init(_ level: Logger.Level) { storage = Mutex(level) }

    public var level: Logger.Level {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
