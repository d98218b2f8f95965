import Foundation

/// The real Hugging Face CLI (`hf`, from the `huggingface_hub` package), run against a
/// test hub with a clean environment: nothing of the machine's own cache, token or proxy.
public enum HFCLI {
    /// The version `make test-deps` installs.
    public static let package = "huggingface_hub==2.4.0"

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

    /// `hf download REPO --cache-dir CACHE`.
    public static func download(
        _ repo: String, hub: TestHub, cache: String, token: String? = nil, in directory: TemporaryDirectory
    ) throws -> (status: Int32, output: String, error: String) {
        guard let hf = ChildProcess.which("hf") else {
            throw TestSupportError("the hf CLI is missing: pip install '\(package)' (make test-deps does)")
        }
        return try ChildProcess.run(
            hf, ["download", repo, "--cache-dir", cache], environment: environment(hub: hub, token: token, home: directory.path),
            in: directory.path, timeout: .seconds(120))
    }
}
