import Foundation

/// The real Hugging Face client (the `huggingface_hub` package), run against a test hub
/// with a clean environment: nothing of the machine's own cache, token or proxy. Each
/// version lives in a venv of its own that `make test-deps` makes under `.build/`, so the
/// tests run exactly these versions, whatever the machine has on its `PATH`.
public enum HFCLI {
    /// Today's `hf`.
    public static let current = "2.4.0"
    /// The 0.x line many diffusers installs still carry: it resumes from
    /// `blobs/<hash>.incomplete`.
    public static let legacy = "0.36.2"

    /// The venv of a version (the Makefile's `HF_VERSIONS`).
    public static func venv(_ version: String) throws -> String {
        let path = ProjectDirectory.path(".build/huggingface_hub-\(version)")
        guard FileManager.default.isExecutableFile(atPath: path + "/bin/python") else {
            throw TestSupportError("huggingface_hub \(version) is not installed in \(path): make test-deps installs it")
        }
        return path
    }

    /// The environment for any `huggingface_hub` program talking to `hub`.
    public static func environment(hub: TestHub, token: String? = nil, home: String) -> [String: String] {
        var environment = ChildProcess.baseEnvironment
        environment["HOME"] = home
        environment["HF_HOME"] = home + "/hf-home"
        environment["HF_ENDPOINT"] = hub.endpoint
        environment["HF_HUB_DISABLE_TELEMETRY"] = "1"
        environment["HF_HUB_DISABLE_XET"] = "1"
        environment["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
        environment["HF_HUB_DISABLE_UPDATE_CHECK"] = "1"
        environment["NO_PROXY"] = "*"
        if let token { environment["HF_TOKEN"] = token }
        return environment
    }

    /// The venv's Python, to run scripts that import `huggingface_hub` of `version`.
    public static func python(_ version: String = current) throws -> String { try venv(version) + "/bin/python" }

    /// `hf ARGUMENTS` of today's version.
    public static func run(
        _ arguments: [String], hub: TestHub, token: String? = nil, in directory: TemporaryDirectory,
        timeout: Duration = .seconds(120)
    ) throws -> (status: Int32, output: String, error: String) {
        try ChildProcess.run(
            try venv(current) + "/bin/hf", arguments, environment: environment(hub: hub, token: token, home: directory.path),
            in: directory.path, timeout: timeout)
    }

    /// `hf download REPO --cache-dir CACHE`.
    public static func download(
        _ repo: String, hub: TestHub, cache: String, token: String? = nil, in directory: TemporaryDirectory
    ) throws -> (status: Int32, output: String, error: String) {
        try run(["download", repo, "--cache-dir", cache], hub: hub, token: token, in: directory)
    }

    /// `snapshot_download` of `version` (a library call: 0.x has no `hf` command of the
    /// same shape), into the cache at `cache`.
    public static func snapshotDownload(
        _ repo: String, version: String, hub: TestHub, cache: String, in directory: TemporaryDirectory,
        timeout: Duration = .seconds(120)
    ) throws -> (status: Int32, output: String, error: String) {
        let script = "import sys; from huggingface_hub import snapshot_download; print(snapshot_download(sys.argv[1], cache_dir=sys.argv[2]))"
        return try ChildProcess.run(
            try python(version), ["-c", script, repo, cache],
            environment: environment(hub: hub, home: directory.path), in: directory.path, timeout: timeout)
    }
}
