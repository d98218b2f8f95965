import Glibc

/// A `sockaddr_un` for a path, for `connect(2)` and `bind(2)` on Unix sockets.
public struct UnixSocketAddress {
    private var address = sockaddr_un()
    private let length: socklen_t

    /// Nil when the path does not fit (`sun_path` holds 107 bytes and a NUL).
    public init?(path: String) {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
    }

    /// Calls `body` with the address as the socket calls take it.
    public func withSockaddr<T, Failure: Error>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws(Failure) -> T) throws(Failure) -> T {
        try withUnsafePointer(to: address) { (pointer) throws(Failure) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (raw) throws(Failure) in try body(raw, length) }
        }
    }
}
