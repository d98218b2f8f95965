import Dispatch
import Foundation
import Glibc
import ModeldProtocol

/// A control-socket connection that sends many request lines while it reads the
/// answers. `ControlClient` writes then reads; with lines of a mebibyte and answers that
/// quote them, a client that only writes fills both socket buffers and waits forever
/// on a daemon that is itself waiting for the client to read. Here a writer thread sends
/// while the caller reads.
public final class PipelinedConnection {
    private let fd: Int32
    private var pending: [UInt8] = []
    private let written = DispatchGroup()

    public init(path: String, timeout: Duration) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket: \(String(cString: strerror(errno)))") }
        guard let address = UnixSocketAddress(path: path), address.withSockaddr({ connect(fd, $0, $1) }) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw TestSupportError("connect(\(path)): \(reason)")
        }
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        // The writer must be done with the descriptor before it can be reused.
        shutdown(fd, Int32(SHUT_RDWR))
        written.wait()
        close(fd)
    }

    /// Starts sending `bytes` on the writer thread. A daemon that closes the connection
    /// (after `too_large`) ends the write with EPIPE, which is expected, so it is not reported.
    public func send(_ bytes: [UInt8]) {
        let fd = fd
        written.enter()
        DispatchQueue.global().async { [written] in
            defer { written.leave() }
            var offset = 0
            while offset < bytes.count {
                let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent < 0, errno == EINTR { continue }
                guard sent > 0 else { return }
                offset += sent
            }
        }
    }

    /// The next line without its newline; nil when the daemon closed the connection.
    /// Throws when nothing arrives within the timeout: an answer is missing.
    public func readLine() throws -> [UInt8]? {
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 64 << 10)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { throw TestSupportError("no answer within the timeout") }
            // ECONNRESET: the daemon closed with our bytes unread, as it does after `too_large`.
            if count < 0, errno == ECONNRESET { return nil }
            guard count >= 0 else { throw TestSupportError("recv: \(String(cString: strerror(errno)))") }
            if count == 0 {
                guard !pending.isEmpty else { return nil }
                defer { pending.removeAll() }
                return pending
            }
            pending.append(contentsOf: chunk[..<count])
        }
    }
}
