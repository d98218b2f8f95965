import Foundation
import Glibc
import ModeldCore

extension SocketListener {
    /// Binds and listens on a TCP address, close-on-exec from the start; returns the port
    /// bound (the one asked for, or the kernel's choice for port 0).
    public static func tcp(_ address: ListenAddress, backlog: Int32) throws(SystemError) -> (listener: SocketListener, port: UInt16) {
        let family = address.family == .ipv4 ? AF_INET : AF_INET6
        let fd = try syscall("socket(\(address))") { socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do throws(SystemError) {
            // A restart must not wait for the last run's connections in TIME_WAIT.
            var one: Int32 = 1
            try syscall("setsockopt(SO_REUSEADDR)") { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) }
            var storage = sockaddr_storage()
            let length: socklen_t
            switch address.family {
            case .ipv4:
                var inet = sockaddr_in()
                inet.sin_family = sa_family_t(AF_INET)
                inet.sin_port = address.port.bigEndian
                guard inet_pton(AF_INET, address.host, &inet.sin_addr) == 1 else { throw SystemError("inet_pton(\(address.host))", errno: EINVAL) }
                length = socklen_t(MemoryLayout<sockaddr_in>.size)
                withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: inet, as: sockaddr_in.self) }
            case .ipv6:
                var inet6 = sockaddr_in6()
                inet6.sin6_family = sa_family_t(AF_INET6)
                inet6.sin6_port = address.port.bigEndian
                guard inet_pton(AF_INET6, address.host, &inet6.sin6_addr) == 1 else { throw SystemError("inet_pton(\(address.host))", errno: EINVAL) }
                length = socklen_t(MemoryLayout<sockaddr_in6>.size)
                withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: inet6, as: sockaddr_in6.self) }
            }
            let bound = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            guard bound == 0 else { throw SystemError("bind(\(address))", errno: errno) }
            try syscall("listen(\(address))") { listen(fd, backlog) }
            var named = sockaddr_storage()
            var namedLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let asked = withUnsafeMutablePointer(to: &named) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &namedLength) }
            }
            guard asked == 0 else { throw SystemError("getsockname(\(address))", errno: errno) }
            // Both sockaddr_in and sockaddr_in6 keep the port right after the family.
            let port = withUnsafeBytes(of: &named) { UInt16(bigEndian: $0.load(fromByteOffset: MemoryLayout<sa_family_t>.size, as: UInt16.self)) }
            return (try SocketListener(adopting: fd), port)
        } catch {
            close(fd)
            throw error
        }
    }
}
