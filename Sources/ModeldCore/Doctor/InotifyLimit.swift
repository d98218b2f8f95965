/// The inotify watch limit that binds the daemon's user, and the sysctl key that sets it.
public struct InotifyLimit: Sendable, Equatable {
    public var watches: Int
    /// `fs.inotify.max_user_watches`, or `user.max_inotify_watches` when the daemon's
    /// user namespace (a container) sets a lower one.
    public var key: String

    public init(watches: Int, key: String) {
        self.watches = watches
        self.key = key
    }
}
