import Glibc

/// What sits at the control socket's path before the daemon binds it.
public enum SocketPath {
    public enum State: Sendable, Equatable {
        case free
        /// A socket file no process listens on (left by a crash): safe to remove.
        case stale
        /// Another process accepts connections there: another daemon is running.
        case answering
        /// Something that is not a socket: never removed.
        case notASocket
    }

    /// Whether a socket file is there; `probe` says whether something answers on it.
    public static func state(of path: String, probe: (String) -> Bool) throws(SystemError) -> State {
        var info = stat()
        if lstat(path, &info) != 0 {
            let code = errno
            if code == ENOENT { return .free }
            throw SystemError("lstat(\(path))", errno: code)
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else { return .notASocket }
        return probe(path) ? .answering : .stale
    }

    /// Removes a stale socket file.
    public static func remove(_ path: String) throws(SystemError) {
        try syscall("unlink(\(path))") { unlink(path) }
    }
}
