import CModeldLinux
import Foundation
import Glibc
import Synchronization

/// A listening stream socket (the control socket's Unix one, the metrics endpoint's TCP
/// one), accepted on a thread of its own.
///
/// Why not NIO's `ServerBootstrap`: the daemon reads each peer's groups with
/// `SO_PEERGROUPS`, whose length is only known by asking (ERANGE), which NIO's
/// fixed-size socket options cannot do; it counts each connection the moment it is
/// accepted, so that a burst of connects cannot pass the cap before the count catches
/// up; and NIO makes its sockets without close-on-exec (a spawned `nvidia-smi` would
/// inherit every connection). Each accepted connection is handed over as a descriptor
/// (close-on-exec, non-blocking), for NIO's `withConnectedSocket`.
public final class SocketListener: Sendable {
    private let fd: Int32
    /// `stop()` writes to one end to wake the accepting thread's poll(2). Never
    /// `shutdown(2)` on `fd`: a socket systemd passed is shared with systemd, which must
    /// keep it for the next start.
    private let wake: (reader: Int32, writer: Int32)
    private let state = Mutex(State.listening)

    private enum State {
        case listening, accepting, stopped
    }

    /// Binds and listens at `address` (a `sockaddr_un`).
    public convenience init(binding address: UnsafePointer<sockaddr>, length: socklen_t, backlog: Int32) throws(SystemError) {
        let fd = try syscall("socket(AF_UNIX)") { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do {
            try syscall("bind") { bind(fd, address, length) }
            try syscall("listen") { listen(fd, backlog) }
            try self.init(adopting: fd)
        } catch {
            close(fd)
            throw error
        }
    }

    /// Takes over a listening socket (one systemd passed); it is closed by `stop()`.
    public init(adopting fd: Int32) throws(SystemError) {
        // Non-blocking: a connection that is gone again between poll(2) and accept(2)
        // must not block the thread (EAGAIN, then poll again).
        let flags = try syscall("fcntl(F_GETFL)") { fcntl(fd, F_GETFL) }
        try syscall("fcntl(F_SETFL)") { fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
        var pair: [Int32] = [-1, -1]
        try syscall("socketpair") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) }
        self.fd = fd
        wake = (pair[0], pair[1])
    }

    deinit {
        if state.withLock({ $0 }) == .listening { close(fd) }
        close(wake.reader)
        close(wake.writer)
    }

    /// Accepts on a new thread until `stop()`, handing each connection to `accepted`,
    /// which owns the descriptor from then on. `ended` is called once, from that thread,
    /// when it stops: with the error that stopped it, or nil after `stop()`.
    public func start(
        name: String, accepted: @escaping @Sendable (Int32) -> Void, ended: @escaping @Sendable (SystemError?) -> Void
    ) {
        guard state.withLock({ state in
            guard state == .listening else { return false }
            state = .accepting
            return true
        }) else { return }
        let thread = Thread { [self] in
            let failure = acceptUntilWoken(accepted)
            state.withLock { $0 = .stopped }
            close(fd)
            ended(failure)
        }
        thread.name = name
        thread.start()
    }

    /// Stops accepting: returns at once, the thread ends soon after (and says so with
    /// `ended`). Connections already accepted are not touched.
    public func stop() {
        let wasListening = state.withLock { state in
            defer { if state == .listening { state = .stopped } }
            return state == .listening
        }
        if wasListening {
            close(fd)
            return
        }
        var byte: UInt8 = 1
        _ = send(wake.writer, &byte, 1, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
    }

    /// Best effort, for a connection that is refused: `line` (it fits the socket
    /// buffer, which is never full on a fresh connection), then close.
    public static func refuse(_ fd: Int32, saying line: [UInt8]) {
        _ = line.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        close(fd)
    }

    /// Runs on the thread: nil once woken by `stop()`, or the error that ended it.
    private func acceptUntilWoken(_ accepted: (Int32) -> Void) -> SystemError? {
        var descriptors = [
            pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.reader, events: Int16(POLLIN), revents: 0),
        ]
        // Out of descriptors, the listening socket stays readable and would spin the
        // thread: only the wake-up is watched for a moment.
        var paused = false
        while true {
            descriptors[0].events = paused ? 0 : Int16(POLLIN)
            if poll(&descriptors, nfds_t(descriptors.count), paused ? 100 : -1) < 0 {
                let code = errno
                if code == EINTR { continue }
                return SystemError("poll", errno: code)
            }
            if descriptors[1].revents != 0 { return nil }
            paused = false
            guard descriptors[0].revents & Int16(POLLIN) != 0 else { continue }
            let connection = modeld_accept_cloexec_nonblocking(fd)
            if connection >= 0 {
                accepted(connection)
                continue
            }
            let code = errno
            switch code {
            case EINTR, EAGAIN, EWOULDBLOCK, ECONNABORTED, EPROTO:
                continue
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                paused = true
            default:
                return SystemError("accept4", errno: code)
            }
        }
    }
}
