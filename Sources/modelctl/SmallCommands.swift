import ArgumentParser
import ModeldProtocol

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the daemon's version, protocol and process.")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    func run() throws {
        try options.run("version", as: VersionResult.self) { result in
            print("modeld \(result.version) (protocol \(result.protocol)), pid \(result.pid), up since \(result.started.ISO8601Format())")
            print("modelctl \(ProtocolVersion.release)")
        }
    }
}

struct Metrics: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the daemon's metrics (Prometheus text format).")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    func run() throws {
        try options.run("metrics", as: MetricsResult.self) { print($0.text, terminator: "") }
    }
}

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-read the configuration (like systemctl reload modeld). Admin.")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    func run() throws {
        try options.run("reload", as: ReloadResult.self) { result in
            print(result.changed.isEmpty ? "reloaded; nothing changed" : "reloaded; changed: " + result.changed.joined(separator: ", "))
            if !result.restartNeeded.isEmpty {
                print("takes effect at the next restart (systemctl restart modeld): " + result.restartNeeded.joined(separator: ", "))
            }
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a model's files (or every model's) against the hub's manifest. Admin.",
        discussion: "Without --deep, unchanged files are trusted by their stat signature; --deep reads every byte.")

    @ParentCommand var root: ModelCtl
    @OptionGroup var local: ClientOptions
    var options: ClientOptions { local.merged(over: root.options) }

    @Argument(help: "Only this model.")
    var model: String?

    @Flag(help: "Read every byte again, even of files whose stat signature is unchanged.")
    var deep = false

    func run() throws {
        var arguments: [String: JSONValue] = ["deep": .bool(deep)]
        if let model { arguments["model"] = .string(model) }
        try options.run("verify", arguments, as: VerifyResult.self) { result in
            print("verifying \(result.models.joined(separator: ", "))\(result.deep ? " (deep)" : ""); `modelctl watch --topic verify` follows it")
        }
    }
}
