import CModeldLinux
import Foundation
import Glibc

/// A program the tests start for real (`posix_spawn`): the daemon, modelctl, socat,
/// systemd-analyze. Output goes to files, so a chatty child can never block on a pipe.
public final class ChildProcess {
    public let pid: pid_t
    public let outputPath: String
    public let errorPath: String
    private var status: Int32?

    /// Starts `executable` with exactly `environment`; `passing` is dup'ed to fd 3, as
    /// systemd passes a listening socket. With `journalStream`, stderr is announced as
    /// `JOURNAL_STREAM=<device>:<inode>`, as systemd does when stderr goes to journald.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String], outputDirectory: String,
        passing fd: Int32? = nil, journalStream: Bool = false
    ) throws {
        let name = (executable as NSString).lastPathComponent + "-\(UUID().uuidString.prefix(8))"
        outputPath = (outputDirectory as NSString).appendingPathComponent("\(name).out")
        errorPath = (outputDirectory as NSString).appendingPathComponent("\(name).err")
        var environment = environment
        if journalStream {
            guard FileManager.default.createFile(atPath: errorPath, contents: nil) else {
                throw TestSupportError("cannot create \(errorPath)")
            }
            var info = stat()
            guard stat(errorPath, &info) == 0 else { throw TestSupportError("stat(\(errorPath)): \(String(cString: strerror(errno)))") }
            environment["JOURNAL_STREAM"] = "\(info.st_dev):\(info.st_ino)"
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if let fd {
            // dup2 onto itself would keep close-on-exec: go through a free descriptor.
            let spare = fcntl(fd, F_DUPFD_CLOEXEC, 10)
            guard spare >= 0 else { throw TestSupportError("fcntl(F_DUPFD): \(String(cString: strerror(errno)))") }
            posix_spawn_file_actions_adddup2(&actions, spare, 3)
            posix_spawn_file_actions_addclose(&actions, spare)
        }
        // Nothing else this process has open (a hub's sockets, other daemons' pipes) may
        // leak into the child: close every descriptor above the ones given it.
        guard modeld_spawn_close_from(&actions, fd == nil ? 3 : 4) == 0 else {
            throw TestSupportError("posix_spawn_file_actions_addclosefrom_np failed")
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw TestSupportError("posix_spawn(\(executable)): \(String(cString: strerror(result)))") }
        pid = child
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            _ = try? waitForExit(timeout: .seconds(5))
        }
    }

    /// Whether it has exited (reaping it if so).
    public var hasExited: Bool {
        if status != nil { return true }
        var raw: Int32 = 0
        if waitpid(pid, &raw, WNOHANG) == pid { status = raw }
        return status != nil
    }

    /// The exit status (or 128 + signal, as a shell reports it).
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(30)) throws -> Int32 {
        try waitUntil("\((outputPath as NSString).lastPathComponent) to exit", timeout: timeout) { hasExited }
        let raw = status ?? 0
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }

    public func signal(_ number: Int32) { kill(pid, number) }

    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    public var errorOutput: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Runs a program to the end: its exit status and what it printed.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = ChildProcess.baseEnvironment,
        in directory: String, timeout: Duration = .seconds(60)
    ) throws -> (status: Int32, output: String, error: String) {
        let child = try ChildProcess(executable, arguments, environment: environment, outputDirectory: directory)
        let status = try child.waitForExit(timeout: timeout)
        return (status, child.output, child.errorOutput)
    }

    /// A clean environment: the PATH to find tools, and nothing of systemd's or the hub's.
    public static var baseEnvironment: [String: String] {
        ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"]
    }

    /// The full path of a tool on PATH, or nil.
    public static func which(_ tool: String) -> String? {
        let path = baseEnvironment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
