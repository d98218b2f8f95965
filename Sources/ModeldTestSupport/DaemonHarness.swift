import Foundation
import Glibc
import ModeldCore
import ModeldProtocol

/// A real `modeld` process in a directory of its own: its config, store, socket and a
/// notify socket that plays systemd. Everything is removed when the harness is released.
public final class DaemonHarness {
    public let directory: TemporaryDirectory
    public let notify: NotifyListener
    public private(set) var process: ChildProcess?
    /// READY=1 messages seen before the current process started (a restart reuses the listener).
    private var readyBefore = 0

    public var configPath: String { directory.file("modeld.toml") }
    public var runDirectory: String { directory.file("run") }
    public var stateDirectory: String { directory.file("state") }
    public var socketPath: String { runDirectory + "/modeld.sock" }
    /// The daemon's whole `PATH`: empty unless a test puts a tool there (a fake
    /// `nvidia-smi`), so a real one on the test machine never changes what a test sees.
    public var toolsDirectory: String { directory.file("bin") }

    /// Two small models; a socket anyone may connect to, so a test can be another user.
    public static let standardConfig = """
        [daemon]
        socket_mode = "0666"
        log_level = "debug"

        [disk]
        # The test machine's own free space must not decide what a test sees.
        warn_below = "0"

        [[model]]
        id = "tiny"
        repo = "test-org/tiny"
        tasks = ["t2v"]
        min_vram_gb = 8
        approx_size = "1MiB"

        [[model]]
        id = "small"
        repo = "test-org/small"
        tasks = ["t2v", "i2v"]
        """

    public init(config: String = DaemonHarness.standardConfig) throws {
        directory = try TemporaryDirectory()
        // Other users (a test's `nobody` client) must reach the socket inside.
        chmod(directory.path, 0o755)
        notify = try NotifyListener(path: directory.file("notify.sock"))
        try directory.write("modeld.toml", config)
    }

    deinit {
        notify.stop()
    }

    /// Where the daemon looks for a hub unless a test gives it the test hub's endpoint:
    /// a closed port on loopback, so no test can ever reach the internet.
    public static let noHub = "http://127.0.0.1:1"

    /// The environment systemd would give the service (state and runtime directories,
    /// the notify socket, a `PATH` of the harness's own), plus `extra`.
    public func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ChildProcess.baseEnvironment
            .merging([
                "STATE_DIRECTORY": stateDirectory, "RUNTIME_DIRECTORY": runDirectory, "NOTIFY_SOCKET": notify.path,
                "HF_ENDPOINT": Self.noHub, "PATH": toolsDirectory,
            ]) { $1 }
            .merging(extra) { $1 }
    }

    /// Starts the daemon; `waitUntilReady` waits for its READY=1. With `journal`, it runs
    /// in that journald's namespace with its stderr announced as a journal stream, as
    /// under systemd. With a `launcher` (`/usr/bin/unshare`, its options, a shell that
    /// sets a limit), the daemon's command line is appended to it, for it to exec.
    @discardableResult
    public func start(
        arguments: [String] = [], environment extra: [String: String] = [:], passing fd: Int32? = nil,
        journal: Journald? = nil, launcher: [String] = []
    ) throws -> ChildProcess {
        readyBefore = notify.assignments.filter { $0 == "READY=1" }.count
        let line = launcher + [Binaries.modeld, "--config", configPath] + arguments
        let command = (line[0], Array(line.dropFirst()))
        let (executable, allArguments) = journal?.wrap(command.0, command.1) ?? command
        let child = try ChildProcess(
            executable, allArguments, environment: environment(extra), outputDirectory: directory.path, passing: fd,
            journalStream: journal != nil)
        process = child
        return child
    }

    /// Starts the daemon the way a `.socket` unit does: `fd` as descriptor 3, and
    /// `LISTEN_FDS=1`, `LISTEN_PID=` its own pid (set by a shell that then execs it).
    @discardableResult
    public func startSocketActivated(listening fd: Int32) throws -> ChildProcess {
        readyBefore = notify.assignments.filter { $0 == "READY=1" }.count
        let child = try ChildProcess(
            "/bin/sh", ["-c", #"LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@""#, Binaries.modeld, "--config", configPath],
            environment: environment(), outputDirectory: directory.path, passing: fd)
        process = child
        return child
    }

    /// Starts the daemon and waits until it told "systemd" it is ready.
    @discardableResult
    public func startReady(
        arguments: [String] = [], environment extra: [String: String] = [:], journal: Journald? = nil, launcher: [String] = []
    ) throws -> ChildProcess {
        let child = try start(arguments: arguments, environment: extra, journal: journal, launcher: launcher)
        try waitUntilReady()
        return child
    }

    public func waitUntilReady(count: Int = 1) throws {
        do {
            try notify.waitFor("READY=1", count: readyBefore + count)
        } catch {
            throw TestSupportError("\(error)\n--- daemon stderr:\n\(process?.errorOutput ?? "")")
        }
    }

    /// A connection to the control socket that gives up on a read after `timeout`.
    public func client(timeout: Duration = .seconds(10)) throws -> ControlClient {
        try ControlClient(path: socketPath, timeout: timeout)
    }

    /// Sends one command on a new connection.
    public func request(_ command: String, _ arguments: [String: JSONValue] = [:]) throws -> Response {
        try client().request(command, arguments)
    }

    /// Polls `status` until `model` is in `state`; its status then.
    @discardableResult
    public func waitForState(_ model: String, _ state: ModelState, timeout: Duration = .seconds(10)) throws -> ModelStatus {
        var last: ModelStatus?
        try waitUntil("\(model) to be \(state.rawValue) (last: \(last.map { "\($0.state.rawValue): \($0.reason ?? "")" } ?? "none"))", timeout: timeout) {
            last = try request("status", ["model": .string(model)]).decode(StatusResult.self).models.first
            return last?.state == state
        }
        guard let last else { throw TestSupportError("no status for \(model)") }
        return last
    }

    /// SIGTERM, then the exit status.
    @discardableResult
    public func stop(timeout: Duration = .seconds(10)) throws -> Int32 {
        guard let process else { return 0 }
        process.signal(SIGTERM)
        return try process.waitForExit(timeout: timeout)
    }

    /// Runs modelctl with a clean environment plus `extra`.
    public func modelctl(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (
        status: Int32, output: String, error: String
    ) {
        try ChildProcess.run(
            Binaries.modelctl, arguments, environment: ChildProcess.baseEnvironment.merging(extra) { $1 },
            in: directory.path)
    }
}
