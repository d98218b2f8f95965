import CModeldLinux
import Foundation
import Glibc
import Synchronization

/// A listening TCP socket of the test hub, accepted on a thread of its own.
///
/// Why not `ServerBootstrap`: NIO creates its sockets without close-on-exec, and tests
/// spawn processes (curl, hf, the daemon) concurrently: each would inherit the hub's
/// listening socket and every connection open at that moment, so a connection the hub
/// closes would stay open in the child (no FIN for the client, a listener that still
/// accepts after `shutdown()`). Here every descriptor is made with `SOCK_CLOEXEC`, and
/// each accepted connection is handed to NIO (`withConnectedSocket`).
final class HubListener: Sendable {
    let host: String
    let port: Int
    private let fd: Int32
    private let state = Mutex(State.bound)

    private enum State {
        case bound, accepting, stopping, stopped
    }

    /// Binds `host` on an ephemeral port and listens.
    init(host: String) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.fd = fd
        guard fd >= 0 else { throw TestSupportError("socket(AF_INET): \(String(cString: strerror(errno)))") }
        do {
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw TestSupportError("not an IPv4 address: \(host)") }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw TestSupportError("bind(\(host)): \(String(cString: strerror(errno)))") }
            guard listen(fd, 128) == 0 else { throw TestSupportError("listen: \(String(cString: strerror(errno)))") }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard named == 0 else { throw TestSupportError("getsockname: \(String(cString: strerror(errno)))") }
            self.host = host
            port = Int(UInt16(bigEndian: address.sin_port))
        } catch {
            close(fd)
            throw error
        }
    }

    deinit {
        if state.withLock({ $0 }) != .stopped { close(fd) }
    }

    /// Accepts connections on a new thread until `stop()`, handing each descriptor
    /// (close-on-exec, non-blocking) to `accepted`, which owns it from then on.
    func start(_ accepted: @escaping @Sendable (Int32) -> Void) {
        guard state.withLock({ state in
            guard state == .bound else { return false }
            state = .accepting
            return true
        }) else { return }
        let thread = Thread { [self] in
            while true {
                let connection = modeld_accept_cloexec_nonblocking(fd)
                if connection >= 0 {
                    accepted(connection)
                } else if errno != EINTR && errno != ECONNABORTED {
                    break
                }
                if state.withLock({ $0 }) != .accepting { break }
            }
            state.withLock { $0 = .stopped }
            close(fd)
        }
        thread.name = "test-hub-accept-\(port)"
        thread.start()
    }

    /// Stops listening at once (new connections are refused) and waits for the
    /// accepting thread to end. Connections already accepted are not touched.
    func stop() {
        let previous = state.withLock { state in
            defer { if state == .bound || state == .accepting { state = state == .bound ? .stopped : .stopping } }
            return state
        }
        switch previous {
        case .bound:
            close(fd)
        case .accepting:
            // shutdown() wakes the blocked accept() (EINVAL); the thread closes the socket.
            shutdown(fd, Int32(SHUT_RDWR))
            while state.withLock({ $0 }) != .stopped { usleep(1000) }
        case .stopping, .stopped:
            while state.withLock({ $0 }) != .stopped { usleep(1000) }
        }
    }
}
