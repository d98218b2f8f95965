import ArgumentParser
import Foundation
import Logging
import ModeldCore
import ModeldDaemon
import ModeldLinux
import ModeldProtocol

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

    @Option(help: "Put back the ledger from a backup (`modelctl backup FILE`) while modeld is stopped, and exit.")
    var restore: String?

    /// sysexits.h: the configuration (or the ledger's schema) is unusable; the unit's
    /// RestartPreventExitStatus=78 stops systemd from restarting into the same error.
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
            print(try settings.effectiveText(readFrom: loader.sources))
            return
        }
        if let restore {
            try Self.restore(from: restore, settings)
            return
        }
        let control = LogLevelControl(settings.daemon.logLevel.swiftLogLevel)
        LogDestination.bootstrap(identifier: "modeld", control: control, environment: ProcessInfo.processInfo.environment)
        do {
            try await Daemon.run(config: settings, loader: loader, logLevel: control)
        } catch {
            Logger(label: "modeld").critical("modeld stopped: \(error)")
            // A ledger a newer modeld migrated stays so until someone acts: no restart loop.
            if case DaemonError.ledgerSchemaNewer = error { throw ExitCode(Self.exitConfig) }
            throw ExitCode.failure
        }
    }

    /// `--restore FILE`: refused while a daemon answers on the socket (it holds the ledger
    /// open) or for a backup of a newer schema; the backup's config is written beside the
    /// ledger for the operator to compare, never over the config in use.
    static func restore(from backup: String, _ settings: ModeldConfig) throws {
        func fail(_ message: String) throws -> Never {
            FileHandle.standardError.write(Data("modeld: \(message)\n".utf8))
            throw ExitCode.failure
        }
        if (try? ControlClient(path: settings.daemon.socket, timeout: .seconds(2))) != nil {
            try fail("a modeld answers on \(settings.daemon.socket); stop it first (systemctl stop modeld), then restore")
        }
        let ledger = settings.daemon.stateDir + "/ledger.sqlite"
        let info: Ledger.BackupInfo
        do {
            info = try Ledger.restore(from: backup, to: ledger)
        } catch {
            try fail("not restored: \(error)")
        }
        let configCopy = settings.daemon.stateDir + "/restored-config.toml"
        try Data(info.config.utf8).write(to: URL(fileURLWithPath: configCopy))
        print("""
            restored \(ledger) from \(backup) (taken \(ISO8601DateFormatter().string(from: info.takenAt)) by modeld \(info.version), \
            schema \(info.schema.last ?? "?")); blobs untouched.
            The config it ran with is in \(configCopy): compare it with yours (diff), then start modeld.
            """)
    }
}
