import Foundation
import Glibc
import ModeldProtocol
import Synchronization

/// Plays systemd's side of `sd_notify`: a datagram socket at a path given to the daemon
/// as `NOTIFY_SOCKET`, collecting every message (`READY=1\nSTATUS=…`) it sends.
public final class NotifyListener: Sendable {
    public let path: String
    private let fd: Int32
    private let received = Mutex<[String]>([])
    private let stopped = Mutex(false)

    public init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket(AF_UNIX, SOCK_DGRAM): \(String(cString: strerror(errno)))") }
        do {
            try UnixAddress.bind(fd, to: path)
            // Reads wake up regularly so the thread can notice it should stop.
            var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
            guard setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
                throw TestSupportError("setsockopt(SO_RCVTIMEO): \(String(cString: strerror(errno)))")
            }
        } catch {
            close(fd)
            throw error
        }
        let thread = Thread { [self] in receive() }
        thread.name = "notify-listener"
        thread.start()
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Stops the reading thread; messages already received stay readable.
    public func stop() { stopped.withLock { $0 = true } }

    /// Every message so far, in order.
    public var messages: [String] { received.withLock { $0 } }

    /// Every `KEY=value` line of every message so far, in order.
    public var assignments: [String] { messages.flatMap { $0.split(separator: "\n").map(String.init) } }

    /// Waits for a line `line` (e.g. `READY=1`) to have been sent `count` times.
    public func waitFor(_ line: String, count: Int = 1, timeout: Duration = .seconds(10)) throws {
        try waitUntil("\(line) ×\(count) from the daemon (got \(assignments))", timeout: timeout) {
            assignments.filter { $0 == line }.count >= count
        }
    }

    private func receive() {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while !stopped.withLock({ $0 }) {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                let message = String(decoding: buffer[..<count], as: UTF8.self)
                received.withLock { $0.append(message) }
            } else if count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                return
            }
        }
    }
}

/// Binding and listening on Unix socket paths, for the test's side of sockets.
public enum UnixAddress {
    public static func bind(_ fd: Int32, to path: String) throws {
        guard let address = UnixSocketAddress(path: path) else { throw TestSupportError("socket path too long: \(path)") }
        guard address.withSockaddr({ Glibc.bind(fd, $0, $1) }) == 0 else {
            throw TestSupportError("bind(\(path)): \(String(cString: strerror(errno)))")
        }
    }

    /// A listening stream socket at `path`, as systemd makes one for a `.socket` unit.
    public static func listeningSocket(at path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket: \(String(cString: strerror(errno)))") }
        try bind(fd, to: path)
        guard listen(fd, 16) == 0 else { throw TestSupportError("listen: \(String(cString: strerror(errno)))") }
        return fd
    }
}
