import Foundation
import Glibc

/// A real nginx in front of a test hub, configured by the project's own
/// `Deploy/mirror/nginx/modeld-mirror.conf`: the shipped file, with only its listen
/// port, its cache folder and its hub changed, inside a main configuration of the
/// test's own (foreground, every path under a temporary folder).
public final class NginxMirror {
    /// Where Debian's `nginx` package puts it: the tests never look on `PATH`.
    public static let executable = "/usr/sbin/nginx"
    /// The shipped configuration.
    public static let shippedConfig = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Mirror
        .deletingLastPathComponent()  // ModeldTestSupport
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()  // the project
        .appendingPathComponent("Deploy/mirror/nginx/modeld-mirror.conf").path

    public let directory: TemporaryDirectory
    /// `http://127.0.0.1:PORT`: what a node's `endpoint` is.
    public let endpoint: String
    private var process: ChildProcess?

    /// Starts nginx for `hub` and returns once it listens.
    public init(hub: TestHub) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw TestSupportError("\(Self.executable) is missing: make test-deps installs nginx")
        }
        let directory = try TemporaryDirectory(prefix: "modeld-nginx")
        self.directory = directory
        let shipped = try String(contentsOfFile: Self.shippedConfig, encoding: .utf8)
        // nginx makes each of its temporary folders, but not the folder they are in.
        try FileManager.default.createDirectory(atPath: directory.file("tmp"), withIntermediateDirectories: false)
        // A port taken between the probe and nginx's bind makes nginx exit: try another.
        var lastError = ""
        for _ in 0..<3 {
            let port = try Self.unusedPort()
            try directory.write("modeld-mirror.conf", try Self.render(shipped, port: port, cache: directory.file("cache"), hub: hub.endpoint))
            try directory.write("nginx.conf", Self.mainConfig(in: directory))
            let child = try ChildProcess(
                Self.executable, ["-p", directory.path, "-c", directory.file("nginx.conf"), "-e", directory.file("error.log")],
                environment: ChildProcess.baseEnvironment, outputDirectory: directory.path)
            // nginx writes its pid file once its sockets listen, or exits.
            try waitUntil("nginx to listen or exit", timeout: .seconds(30)) {
                child.hasExited || FileManager.default.fileExists(atPath: directory.file("nginx.pid"))
            }
            if !child.hasExited {
                process = child
                endpoint = "http://127.0.0.1:\(port)"
                return
            }
            lastError = (try? String(contentsOfFile: directory.file("error.log"), encoding: .utf8)) ?? child.errorOutput
        }
        throw TestSupportError("nginx did not start:\n\(lastError)")
    }

    deinit { kill() }

    /// nginx's own log (at `info`): what a failing test should show.
    public var errorLog: String { (try? String(contentsOfFile: directory.file("error.log"), encoding: .utf8)) ?? "" }

    /// The shipped text with its site's values replaced; each must be there, so the
    /// shipped file and the test cannot drift apart unseen.
    static func render(_ shipped: String, port: Int, cache: String, hub: String) throws -> String {
        var text = shipped
        for (site, test) in [
            ("listen 8090;", "listen 127.0.0.1:\(port);"), ("/var/cache/nginx/modeld-mirror", cache),
            ("https://huggingface.co;", "\(hub);"),
        ] {
            guard text.contains(site) else { throw TestSupportError("\(shippedConfig) no longer has \(site)") }
            text = text.replacingOccurrences(of: site, with: test)
        }
        return text
    }

    /// One worker in the foreground, every file nginx writes under `directory`.
    private static func mainConfig(in directory: TemporaryDirectory) -> String {
        let temporary = directory.file("tmp")
        return """
            daemon off;
            worker_processes 1;
            pid \(directory.file("nginx.pid"));
            error_log \(directory.file("error.log")) info;
            # Workers as root (when the test is): the temporary folder is root's own.
            \(geteuid() == 0 ? "user root;" : "")
            events { worker_connections 512; }
            http {
                access_log \(directory.file("access.log"));
                client_body_temp_path \(temporary)/body;
                proxy_temp_path \(temporary)/proxy;
                fastcgi_temp_path \(temporary)/fastcgi;
                uwsgi_temp_path \(temporary)/uwsgi;
                scgi_temp_path \(temporary)/scgi;
                include \(directory.file("modeld-mirror.conf"));
            }

            """
    }

    /// The mirror dies: SIGKILL to the master, so it cannot start new workers, then
    /// to its workers, so every connection they hold is cut.
    public func kill() {
        guard let process, !process.hasExited else { return }
        let workers = (try? String(contentsOfFile: "/proc/\(process.pid)/task/\(process.pid)/children", encoding: .utf8))?
            .split(separator: " ").compactMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? []
        process.signal(SIGKILL)
        for worker in workers { Glibc.kill(worker, SIGKILL) }
        _ = try? process.waitForExit(timeout: .seconds(10))
    }

    /// A port on 127.0.0.1 that was free a moment ago.
    static func unusedPort() throws -> Int {
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
