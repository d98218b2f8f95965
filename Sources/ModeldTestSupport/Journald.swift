import Foundation
import Glibc
import ModeldProtocol

/// A journald to log to: the machine's own when one listens, else one started for the
/// test (as root, systemd-journald runs without systemd as PID 1) and stopped after.
public final class Journald {
    public static let socketPath = "/run/systemd/journal/socket"
    private var started: ChildProcess?

    public init() throws {
        if Self.answers() { return }
        let binary = "/lib/systemd/systemd-journald"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestSupportError("\(binary) is missing: install the systemd package (make test-deps does)")
        }
        try? FileManager.default.removeItem(atPath: "/run/systemd/journal")
        started = try ChildProcess(
            "/usr/bin/setsid", [binary], environment: ChildProcess.baseEnvironment, outputDirectory: NSTemporaryDirectory())
        try waitUntil("journald to listen on \(Self.socketPath)") { Self.answers() }
    }

    /// Stops the journald this started, and removes what it left in /run.
    public func stop() {
        guard let started else { return }
        started.signal(SIGTERM)
        _ = try? started.waitForExit(timeout: .seconds(5))
        try? FileManager.default.removeItem(atPath: "/run/systemd/journal")
        try? FileManager.default.removeItem(atPath: "/run/log/journal")
        self.started = nil
    }

    deinit { stop() }

    /// Entries matching `matches` (`FIELD=value`), each as its JSON fields.
    public func entries(_ matches: [String]) throws -> [[String: JSONValue]] {
        let run = try ChildProcess.run("/usr/bin/journalctl", ["-o", "json", "--no-pager"] + matches, in: NSTemporaryDirectory())
        return run.output.split(separator: "\n").compactMap { line in
            guard case .object(let fields) = try? WireCodec.decoder.decode(JSONValue.self, from: Data(line.utf8)) else { return nil }
            return fields
        }
    }

    private static func answers() -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0, let address = UnixSocketAddress(path: socketPath) else { return false }
        defer { close(fd) }
        return address.withSockaddr { Glibc.connect(fd, $0, $1) } == 0
    }
}
