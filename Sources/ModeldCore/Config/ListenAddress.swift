/// A TCP address to listen on, written `"127.0.0.1:9464"` or `"[::1]:9464"` (port 0: any
/// free port, which the daemon logs). IP literals only: a name would be resolved at start
/// to whatever the resolver says then, and `--check-config` could not tell what it binds.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable, Hashable {
        case ipv4, ipv6
    }

    /// The address without brackets: `127.0.0.1`, `::1`.
    public var host: String
    public var port: UInt16
    public var family: Family

    /// Why `text` is no listen address, in words that show the form.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    public init(parsing text: String) throws(Problem) {
        let example = "write it as 127.0.0.1:9464 (this machine only), 0.0.0.0:9464 (every interface) or [::1]:9464"
        guard let colon = text.lastIndex(of: ":") else { throw Problem(description: "\"\(text)\" has no port; \(example)") }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard let port = UInt16(portText) else {
            throw Problem(description: "\"\(portText)\" in \"\(text)\" is not a port (0 to 65535); \(example)")
        }
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
            guard Self.isIPv6(host) else { throw Problem(description: "\"\(host)\" is not an IPv6 address; \(example)") }
            family = .ipv6
        } else if Self.isIPv4(host) {
            family = .ipv4
        } else if host.isEmpty {
            throw Problem(description: "\"\(text)\" names no address; \(example)")
        } else {
            throw Problem(description: "\"\(host)\" is not an IP address (names are not resolved); \(example)")
        }
        self.host = host
        self.port = port
    }

    public var description: String { family == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Four decimal numbers 0–255, without leading zeros (which some parsers read as octal).
    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            UInt8(part).map { String($0) == part } ?? false
        }
    }

    /// Eight groups of 1–4 hex digits, or fewer with one `::`; the last two may be an IPv4
    /// address (`::ffff:127.0.0.1`).
    static func isIPv6(_ text: String) -> Bool {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        var groups = 0
        for (index, half) in halves.enumerated() where !half.isEmpty {
            var parts = half.split(separator: ":", omittingEmptySubsequences: false)
            if index == halves.count - 1, let last = parts.last, last.contains(".") {
                guard isIPv4(String(last)) else { return false }
                parts.removeLast()
                groups += 2
            }
            for part in parts {
                guard (1...4).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return false }
                groups += 1
            }
        }
        return halves.count == 2 ? groups <= 7 : groups == 8
    }
}
