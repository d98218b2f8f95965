import CSystemd
import Glibc

/// The service manager's side channel (`sd_notify(3)`): readiness, status, watchdog.
/// Without `NOTIFY_SOCKET` (not under systemd) every call does nothing.
public struct SystemdNotifier: Sendable {
    public init() {}

    /// Sends `state` (`READY=1`, `STATUS=…`, several lines at once).
    /// `sd_notify` returns 0 when there is no socket to tell, > 0 when sent.
    public func send(_ state: String) throws(SystemError) {
        let result = sd_notify(0, state)
        if result < 0 { throw SystemError("sd_notify(\(state.prefix(while: { $0 != "=" })))", errno: -result) }
    }

    /// How often systemd expects `WATCHDOG=1`, when `WatchdogSec=` is set for us.
    public var watchdogInterval: Duration? {
        var microseconds: UInt64 = 0
        let result = sd_watchdog_enabled(0, &microseconds)
        return result > 0 && microseconds > 0 ? .microseconds(Int64(microseconds)) : nil
    }

    /// `CLOCK_MONOTONIC` in microseconds, for `RELOADING=1` + `MONOTONIC_USEC=`.
    public static var monotonicMicroseconds: UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }

    /// The listening Unix stream sockets systemd passed (socket activation,
    /// `sd_listen_fds(3)`). The variables are unset so a child never inherits them.
    public static func listeningSockets() throws(SystemError) -> [Int32] {
        let count = sd_listen_fds(1)
        if count < 0 { throw SystemError("sd_listen_fds", errno: -count) }
        let first = Int32(SD_LISTEN_FDS_START)
        return (first..<first + count).filter { sd_is_socket_unix($0, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0 }
    }
}
