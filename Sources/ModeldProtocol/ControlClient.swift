import Foundation
import Glibc

/// A client of the control socket: one connection, JSON lines in both directions.
/// Blocking on purpose: its users (modelctl, tests, the daemon's start-up probe) do one
/// thing at a time, and a plain socket keeps it free of any event loop.
public final class ControlClient {
    public let path: String
    private let fd: Int32
    private var pending: [UInt8] = []

    /// Connects to `path`; with `timeout`, a read that waits longer fails with `.timedOut`.
    public init(path: String, timeout: Duration? = nil) throws(ControlClientError) {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .unreachable(path: path, errno: errno) }
        do {
            try Self.connect(fd, to: path)
            if let timeout { try setReadTimeout(timeout) }
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    /// Sends one request and reads its response.
    public func request(_ command: String, _ arguments: [String: JSONValue] = [:]) throws(ControlClientError) -> Response {
        var object = arguments
        object["cmd"] = .string(command)
        try send(line: Self.encode(object))
        guard let line = try readLine() else { throw .closed }
        do {
            return try WireCodec.decoder.decode(Response.self, from: line)
        } catch {
            throw .malformed(String(decoding: line, as: UTF8.self))
        }
    }

    /// Writes `line` and a newline as they are (tests send broken input on purpose).
    public func send(line: Data) throws(ControlClientError) {
        var bytes = [UInt8](line)
        if bytes.last != 0x0A { bytes.append(0x0A) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "send", errno: errno)
            }
            offset += written
        }
    }

    /// Says there is nothing more to ask, as `echo … | socat` does, and keeps reading.
    public func shutdownSending() throws(ControlClientError) {
        guard shutdown(fd, Int32(SHUT_WR)) == 0 else { throw .io(operation: "shutdown", errno: errno) }
    }

    /// Whether something from the daemon is waiting to be read now (an answer, an event,
    /// or the close), without waiting for it.
    public func hasInputWaiting() throws(ControlClientError) -> Bool {
        guard pending.isEmpty else { return true }
        var polled = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&polled, 1, 0)
            if ready >= 0 { return ready > 0 }
            if errno != EINTR { throw .io(operation: "poll", errno: errno) }
        }
    }

    /// The next line without its newline, or nil when the daemon closed the connection.
    public func readLine() throws(ControlClientError) -> Data? {
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = Data(pending[..<newline])
                pending.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 64 << 10)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK { throw .timedOut }
                throw .io(operation: "recv", errno: code)
            }
            if count == 0 {
                guard !pending.isEmpty else { return nil }
                defer { pending.removeAll() }
                return Data(pending)
            }
            pending.append(contentsOf: chunk[..<count])
        }
    }

    private func setReadTimeout(_ timeout: Duration) throws(ControlClientError) {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        if setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size)) != 0 {
            throw .io(operation: "setsockopt(SO_RCVTIMEO)", errno: errno)
        }
    }

    /// `connect(2)` to a Unix socket path.
    static func connect(_ fd: Int32, to path: String) throws(ControlClientError) {
        guard let address = UnixSocketAddress(path: path) else { throw .unreachable(path: path, errno: ENAMETOOLONG) }
        while address.withSockaddr({ Glibc.connect(fd, $0, $1) }) != 0 {
            if errno != EINTR { throw .unreachable(path: path, errno: errno) }
        }
    }

    private static func encode(_ object: [String: JSONValue]) -> Data {
        // A dictionary of JSON values always encodes.
        (try? WireCodec.encoder.encode(object)) ?? Data("{}".utf8)
    }
}

/// Why talking to the daemon failed.
public enum ControlClientError: Error, Equatable, CustomStringConvertible {
    /// Nothing accepted a connection at the path (`ENOENT`, `ECONNREFUSED`, `EACCES`…).
    case unreachable(path: String, errno: Int32)
    case io(operation: String, errno: Int32)
    case timedOut
    /// The daemon closed the connection before answering.
    case closed
    /// The daemon answered something that is not a response line.
    case malformed(String)

    public var description: String {
        switch self {
        case .unreachable(let path, let code): "cannot connect to \(path): \(String(cString: strerror(code)))"
        case .io(let operation, let code): "\(operation): \(String(cString: strerror(code)))"
        case .timedOut: "the daemon did not answer in time"
        case .closed: "the daemon closed the connection"
        case .malformed(let line): "the daemon's answer is not a response: \(line.prefix(200))"
        }
    }
}
