import Foundation
import ModeldCore

/// Reads the configuration from disk: `--config PATH`, then `<dir of PATH>/modeld.d/*.toml`
/// in name order, then the environment, then the flags a person passed by hand.
public struct ConfigLoader: Sendable {
    /// What the command line overrides (CONFIG.md: `--socket`, `--store`, `--log-level`).
    public struct Overrides: Sendable {
        public var socket: String?
        public var store: String?
        public var logLevel: LogLevel?
        public init(socket: String? = nil, store: String? = nil, logLevel: LogLevel? = nil) {
            self.socket = socket
            self.store = store
            self.logLevel = logLevel
        }
    }

    public var path: String
    public var overrides: Overrides
    public var environment: [String: String]

    public init(path: String, overrides: Overrides = .init(), environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.path = path
        self.overrides = overrides
        self.environment = environment
    }

    /// The drop-in directory beside the main file.
    public var dropInDirectory: String {
        (URL(fileURLWithPath: path).deletingLastPathComponent().path as NSString).appendingPathComponent("modeld.d")
    }

    /// The files read, as the effective config's header names them.
    public var sources: String { "\(path) and \(dropInDirectory)/*.toml" }

    public func load() throws(ConfigError) -> ModeldConfig {
        var layers = [try read(path)]
        for dropIn in try dropInPaths() {
            layers.append(try read(dropIn))
        }
        var config = try ConfigLayers.decode(layers, over: .defaults(environment: environment))
        config = try config.overridden(byEnvironment: environment)
        if let socket = overrides.socket { config.daemon.socket = socket }
        if let store = overrides.store { config.daemon.storeDir = store }
        if let level = overrides.logLevel { config.daemon.logLevel = level }
        config.token = try token(tokenFile: config.hub.tokenFile)
        return config.absolutized(against: FileManager.default.currentDirectoryPath)
    }

    private func read(_ file: String) throws(ConfigError) -> ConfigLayers.Layer {
        do {
            return .init(name: file, text: try String(contentsOfFile: file, encoding: .utf8))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? "\(error.localizedDescription)"
            throw ConfigError(
                file: file,
                message: "cannot read it (\(reason)); create it, or pass another with --config")
        }
    }

    private func dropInPaths() throws(ConfigError) -> [String] {
        let directory = dropInDirectory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return []
        }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }
                .sorted()
                .map { (directory as NSString).appendingPathComponent($0) }
        } catch {
            throw ConfigError(file: directory, message: "cannot list drop-ins: \(error.localizedDescription)")
        }
    }

    /// The hub token, in the order the Hugging Face client uses: `HF_TOKEN`,
    /// `HUGGING_FACE_HUB_TOKEN`, the file `HF_TOKEN_PATH`, then `[hub] token_file`.
    private func token(tokenFile: String) throws(ConfigError) -> Secret? {
        for name in ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"] {
            if let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty {
                return Secret(value: value, source: name)
            }
        }
        for file in [environment["HF_TOKEN_PATH"], tokenFile].compactMap({ $0 }) where !file.isEmpty {
            let value = try read(file).text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !value.isEmpty { return Secret(value: value, source: file) }
        }
        return nil
    }
}
