import Foundation
import Glibc

/// A real olah (the Makefile's `OLAH_VERSION`, in `.build/olah-VERSION`) in front of a
/// test hub, configured by the project's own `Deploy/mirror/olah/configs.toml`: the
/// shipped file, with only its address, its cache folder and its hub changed.
public final class OlahMirror {
    /// The version `make test-deps` installs (the Makefile's `OLAH_VERSION`).
    public static let version = "0.5.4"

    public let directory: TemporaryDirectory
    /// `http://127.0.0.1:PORT`: what a node's `endpoint` is.
    public let endpoint: String
    private let process: ChildProcess

    /// Starts olah for `hub` and returns once it answers.
    public init(hub: TestHub) throws {
        let python = try Self.python()
        let directory = try TemporaryDirectory(prefix: "modeld-olah")
        self.directory = directory
        let shipped = try ShippedMirrorConfig("olah/configs.toml")
        let hubAddress = String(hub.endpoint.dropFirst("http://".count))
        let cdnAddress = String(hub.cdnEndpoint.dropFirst("http://".count))
        let started = try ShippedMirrorConfig.startOnUnusedPort("olah") { port in
            try directory.write(
                "configs.toml",
                try shipped.rendered([
                    (#"host = "0.0.0.0""#, #"host = "127.0.0.1""#), ("port = 8090", "port = \(port)"),
                    ("/var/cache/olah/repos", directory.file("repos")),
                    (#"hf-scheme = "https""#, #"hf-scheme = "http""#),
                    (#"hf-netloc = "huggingface.co""#, #"hf-netloc = "\#(hubAddress)""#),
                    (#"hf-lfs-netloc = "cdn-lfs.huggingface.co""#, #"hf-lfs-netloc = "\#(cdnAddress)""#),
                    ("hf-mirror.example.internal:8090", "127.0.0.1:\(port)"),
                ]))
            // The venv's python, not `olah-cli`: the script's first line names the folder
            // the venv was made in, which a copied `.build` no longer is.
            let child = try ChildProcess(
                python, ["-m", "olah.server", "-c", directory.file("configs.toml"), "--log-path", directory.file("logs")],
                environment: ChildProcess.baseEnvironment.merging(["HOME": directory.path]) { $1 },
                outputDirectory: directory.path)
            // uvicorn says so once its socket listens, or olah exits.
            try waitUntil("olah to listen or exit", timeout: .seconds(60)) {
                child.hasExited || child.errorOutput.contains("Uvicorn running on")
            }
            return child
        } whyItExited: { $0.errorOutput }
        process = started.process
        endpoint = "http://127.0.0.1:\(started.port)"
    }

    deinit { stop() }

    /// What olah printed (uvicorn's access log among it): what a failing test should show.
    public var log: String { process.errorOutput + process.output }

    /// SIGKILL: olah is one process (one uvicorn worker), so that cuts every connection.
    public func stop() {
        guard !process.hasExited else { return }
        process.signal(SIGKILL)
        _ = try? process.waitForExit(timeout: .seconds(10))
    }

    private static func python() throws -> String {
        let path = ProjectDirectory.path(".build/olah-\(version)/bin/python")
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestSupportError("\(path) is missing: make test-deps installs olah \(version)")
        }
        return path
    }
}
