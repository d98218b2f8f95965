import ArgumentParser
import Foundation
import Logging
import ModeldCore
import ModeldDaemon
import ModeldLinux

/// `modeld`: keeps AI model weights present, verified and up to date; answers on a
/// Unix socket. Run by systemd (`units/modeld.service`) or by hand (`make run`).
@main
struct Modeld: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Keeps AI model weights present, verified and up to date, and tells generation services the truth about them.",
        discussion: "Talk to it with modelctl, or: echo '{\"cmd\":\"status\"}' | socat - UNIX-CONNECT:/run/modeld/modeld.sock")

    @Option(help: "The config file; drop-ins are read from modeld.d/ beside it.")
    var config = "/etc/modeld/modeld.toml"

    @Option(help: "The control socket (overrides [daemon] socket and MODELD_SOCKET).")
    var socket: String?

    @Option(help: "The model store (overrides [daemon] store_dir).")
    var store: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    @Flag(help: "Check the configuration, print it as the daemon would use it, and exit.")
    var checkConfig = false

    /// sysexits.h: the configuration is unusable; the unit's RestartPreventExitStatus=78
    /// stops systemd from restarting into the same error.
    static let exitConfig: Int32 = 78

    func run() async throws {
        var level: LogLevel?
        if let logLevel {
            guard let parsed = LogLevel(rawValue: logLevel) else {
                throw ValidationError("--log-level must be one of \(LogLevel.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            level = parsed
        }
        let loader = ConfigLoader(path: config, overrides: .init(socket: socket, store: store, logLevel: level))
        let settings: ModeldConfig
        do {
            settings = try loader.load()
        } catch {
            FileHandle.standardError.write(Data("modeld: invalid configuration: \(error)\n".utf8))
            throw ExitCode(Self.exitConfig)
        }
        if checkConfig {
            print(try settings.effectiveText(readFrom: "\(loader.path) and \(loader.dropInDirectory)/*.toml"))
            return
        }
        let control = LogLevelControl(settings.daemon.logLevel.swiftLogLevel)
        LogDestination.bootstrap(identifier: "modeld", control: control, environment: ProcessInfo.processInfo.environment)
        do {
            try await Daemon.run(config: settings, loader: loader, logLevel: control)
        } catch {
            Logger(label: "modeld").critical("modeld stopped: \(error)")
            throw ExitCode.failure
        }
    }
}
