import Foundation

extension ModeldConfig {
    /// The defaults under every file: CONFIG.md's, moved under the directories systemd
    /// hands a service (`StateDirectory=` → `STATE_DIRECTORY`, `RuntimeDirectory=` →
    /// `RUNTIME_DIRECTORY`) when it runs under systemd, or `make run` sets to `./.run`.
    public static func defaults(environment env: [String: String]) -> ModeldConfig {
        var config = ModeldConfig()
        // systemd passes a colon-separated list when a unit names several directories.
        if let state = env["STATE_DIRECTORY"]?.split(separator: ":").first.map(String.init), !state.isEmpty {
            config.daemon.stateDir = state
            config.daemon.storeDir = state + "/hub"
            config.daemon.linksDir = state + "/models"
        }
        if let runtime = env["RUNTIME_DIRECTORY"]?.split(separator: ":").first.map(String.init), !runtime.isEmpty {
            config.daemon.socket = runtime + "/modeld.sock"
        }
        return config
    }

    /// The environment variables that win over files: `HF_ENDPOINT`, `HF_HUB_OFFLINE`,
    /// `MODELD_SOCKET`.
    public func overridden(byEnvironment env: [String: String]) throws(ConfigError) -> ModeldConfig {
        var config = self
        if let endpoint = env["HF_ENDPOINT"], !endpoint.isEmpty {
            guard endpoint.hasPrefix("https://") || endpoint.hasPrefix("http://") else {
                throw ConfigError(file: "environment", key: "HF_ENDPOINT", message: "\"\(endpoint)\" is not an http(s) URL")
            }
            config.hub.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        }
        switch env["HF_HUB_OFFLINE"]?.lowercased() {
        case "1", "on", "yes", "true": config.hub.offline = true
        case "0", "off", "no", "false": config.hub.offline = false
        default: break
        }
        if let socket = env["MODELD_SOCKET"], !socket.isEmpty {
            config.daemon.socket = socket
        }
        return config
    }

    /// Relative paths (as `make run` writes them) made absolute against `directory`, so
    /// the daemon does not depend on its working directory later.
    public func absolutized(against directory: String) -> ModeldConfig {
        func absolute(_ path: String) -> String {
            path.hasPrefix("/") ? path : URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: directory, isDirectory: true)).standardizedFileURL.path
        }
        var config = self
        config.daemon.storeDir = absolute(daemon.storeDir)
        config.daemon.linksDir = absolute(daemon.linksDir)
        config.daemon.stateDir = absolute(daemon.stateDir)
        config.daemon.socket = absolute(daemon.socket)
        if !metrics.textfile.isEmpty { config.metrics.textfile = absolute(metrics.textfile) }
        return config
    }
}
