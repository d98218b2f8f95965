import Foundation
import Glibc
import ModeldProtocol

/// A journald of the test's own, in a mount namespace of its own whose `/run` is a fresh
/// tmpfs: the machine's `/run/systemd/journal` and its journal are never touched, and
/// tests may run beside a real journald. As root, systemd-journald runs without systemd
/// as PID 1 (shared/reference/linux-and-systemd.md). A program that is to log to it runs
/// inside the namespace (``wrap(_:_:)``), and so does `journalctl`.
public final class Journald {
    public static let socketPath = "/run/systemd/journal/socket"
    private let process: ChildProcess

    public init() throws {
        let binary = "/lib/systemd/systemd-journald"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestSupportError("\(binary) is missing: install the systemd package (make test-deps does)")
        }
        // `unshare` without --fork execs the shell, which execs journald: one pid, the
        // namespace's, for `nsenter --target`.
        process = try ChildProcess(
            "/usr/bin/unshare",
            [
                "--mount", "--propagation", "private", "/bin/sh", "-c",
                "mount -t tmpfs -o mode=0755 modeld-test-run /run && mkdir -p /run/systemd/journal && exec \(binary)",
            ],
            environment: ChildProcess.baseEnvironment, outputDirectory: NSTemporaryDirectory())
        try waitUntil("journald to listen on \(Self.socketPath) in its namespace (\(process.errorOutput))") {
            try ChildProcess.run("/usr/bin/nsenter", namespace + ["/usr/bin/test", "-S", Self.socketPath], in: "/").status == 0
        }
    }

    /// Stops journald; its namespace, and the journal in it, go with it.
    public func stop() {
        process.signal(SIGTERM)
        _ = try? process.waitForExit(timeout: .seconds(5))
    }

    deinit { stop() }

    /// `executable` and `arguments` as a command that runs inside the journal's namespace
    /// (with the same pid: `nsenter` execs it).
    public func wrap(_ executable: String, _ arguments: [String]) -> (String, [String]) {
        ("/usr/bin/nsenter", namespace + [executable] + arguments)
    }

    /// Entries matching `matches` (`FIELD=value`), each as its JSON fields.
    public func entries(_ matches: [String]) throws -> [[String: JSONValue]] {
        let (tool, arguments) = wrap("/usr/bin/journalctl", ["-o", "json", "--no-pager"] + matches)
        let run = try ChildProcess.run(tool, arguments, in: NSTemporaryDirectory())
        return run.output.split(separator: "\n").compactMap { line in
            guard case .object(let fields) = try? WireCodec.decoder.decode(JSONValue.self, from: Data(line.utf8)) else { return nil }
            return fields
        }
    }

    private var namespace: [String] { ["--target", "\(process.pid)", "--mount", "--"] }
}
