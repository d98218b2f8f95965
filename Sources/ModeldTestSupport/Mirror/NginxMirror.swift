import Foundation
import Glibc

/// A real nginx in front of a test hub, configured by the project's own
/// `Deploy/mirror/nginx/modeld-mirror.conf`: the shipped file, with only its listen
/// port, its cache folder and its hub changed, inside a main configuration of the
/// test's own (foreground, every path under a temporary folder).
public final class NginxMirror {
    /// Where Debian's `nginx` package puts it: the tests never look on `PATH`.
    public static let executable = "/usr/sbin/nginx"
    public let directory: TemporaryDirectory
    /// `http://127.0.0.1:PORT` (`https://` with `tls`): what a node's `endpoint` is.
    public let endpoint: String
    /// With `tls`, the mirror's self-signed certificate: what a node trusts through
    /// `CURL_CA_BUNDLE`.
    public let certificate: String?
    private var process: ChildProcess?

    /// Starts nginx for `hub` and returns once it listens; with `tls`, on HTTPS with HTTP/2,
    /// as the shipped file's commented lines offer.
    public init(hub: TestHub, tls: Bool = false) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw TestSupportError("\(Self.executable) is missing: make test-deps installs nginx")
        }
        let directory = try TemporaryDirectory(prefix: "modeld-nginx")
        self.directory = directory
        let shipped = try ShippedMirrorConfig("nginx/modeld-mirror.conf")
        // nginx makes each of its temporary folders, but not the folder they are in.
        try FileManager.default.createDirectory(atPath: directory.file("tmp"), withIntermediateDirectories: false)
        certificate = tls ? try Self.selfSignedCertificate(in: directory) : nil
        let started = try ShippedMirrorConfig.startOnUnusedPort("nginx") { port in
            let listen: [(String, String)] = tls
                ? [
                    ("listen 8090;", ""), ("#listen 8443 ssl http2;", "listen 127.0.0.1:\(port) ssl http2;"),
                    ("#ssl_certificate     /etc/ssl/modeld-mirror/cert.pem;", "ssl_certificate \(directory.file("cert.pem"));"),
                    ("#ssl_certificate_key /etc/ssl/modeld-mirror/key.pem;", "ssl_certificate_key \(directory.file("key.pem"));"),
                ]
                : [("listen 8090;", "listen 127.0.0.1:\(port);")]
            try directory.write(
                "modeld-mirror.conf",
                try shipped.rendered(listen + [
                    ("/var/cache/nginx/modeld-mirror", directory.file("cache")), ("https://huggingface.co;", "\(hub.endpoint);"),
                ]))
            try directory.write("nginx.conf", Self.mainConfig(in: directory))
            let child = try ChildProcess(
                Self.executable, ["-p", directory.path, "-c", directory.file("nginx.conf"), "-e", directory.file("error.log")],
                environment: ChildProcess.baseEnvironment, outputDirectory: directory.path)
            // nginx writes its pid file once its sockets listen, or exits.
            try waitUntil("nginx to listen or exit", timeout: .seconds(30)) {
                child.hasExited || FileManager.default.fileExists(atPath: directory.file("nginx.pid"))
            }
            return child
        } whyItExited: { child in
            (try? String(contentsOfFile: directory.file("error.log"), encoding: .utf8)) ?? child.errorOutput
        }
        process = started.process
        endpoint = "\(tls ? "https" : "http")://127.0.0.1:\(started.port)"
    }

    /// A key and a certificate for 127.0.0.1, made by the `openssl` command (`make
    /// test-deps` installs it): `cert.pem` and `key.pem` in `directory`.
    private static func selfSignedCertificate(in directory: TemporaryDirectory) throws -> String {
        let openssl = try ChildProcess(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", "/CN=modeld test mirror", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", directory.file("key.pem"), "-out", directory.file("cert.pem"),
            ],
            environment: ChildProcess.baseEnvironment, outputDirectory: directory.path)
        guard try openssl.waitForExit(timeout: .seconds(30)) == 0 else {
            throw TestSupportError("openssl req did not make a certificate: \(openssl.errorOutput)")
        }
        return directory.file("cert.pem")
    }

    /// Each request nginx answered, as `PROTOCOL CONNECTION REQUESTS-ON-IT STATUS URI`.
    public var accessLog: [String] {
        ((try? String(contentsOfFile: directory.file("access.log"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    deinit { kill() }

    /// nginx's own log (at `info`): what a failing test should show.
    public var errorLog: String { (try? String(contentsOfFile: directory.file("error.log"), encoding: .utf8)) ?? "" }

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
                log_format modeld_test '$server_protocol $connection $connection_requests $status $request_uri';
                access_log \(directory.file("access.log")) modeld_test;
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
}
