import Foundation
import Glibc

/// A mirror's configuration as the project ships it under `Deploy/mirror/`, rendered
/// for a test: the site's values swapped for the test's, each of which must be there,
/// so the shipped file and the tests cannot drift apart unseen.
struct ShippedMirrorConfig {
    /// Under `Deploy/mirror/`, e.g. `nginx/modeld-mirror.conf`.
    let path: String
    let text: String

    init(_ relativePath: String) throws {
        path = ProjectDirectory.path("Deploy/mirror/\(relativePath)")
        text = try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The text with each `(site, test)` pair's site value replaced by the test's.
    func rendered(_ replacements: [(site: String, test: String)]) throws -> String {
        var rendered = text
        for (site, test) in replacements {
            guard rendered.contains(site) else { throw TestSupportError("\(path) no longer has \(site)") }
            rendered = rendered.replacingOccurrences(of: site, with: test)
        }
        return rendered
    }

    /// A mirror started on a port of 127.0.0.1 that was free a moment ago: `start`
    /// writes the configuration for the port, starts the mirror and waits until it
    /// listens or exits. One that exited lost the port to another process between the
    /// probe and its bind: another port is tried, three in all, and `whyItExited` says
    /// what the last one printed.
    static func startOnUnusedPort(
        _ mirror: String, _ start: (Int) throws -> ChildProcess, whyItExited: (ChildProcess) -> String
    ) throws -> (process: ChildProcess, port: Int) {
        var lastError = ""
        for _ in 0..<3 {
            let port = try unusedPort()
            let child = try start(port)
            if !child.hasExited { return (child, port) }
            lastError = whyItExited(child)
        }
        throw TestSupportError("\(mirror) did not start:\n\(lastError)")
    }

    private static func unusedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard named else { throw TestSupportError("bind 127.0.0.1:0: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
