import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol

/// Re-reads the configuration (SIGHUP or `reload`), telling systemd it is reloading.
/// A configuration that fails to load changes nothing: the running one stays.
actor ConfigReloader {
    private let loader: ConfigLoader
    private let keeper: Keeper
    private let verifications: VerificationQueue
    private let notifier: SystemdNotifier
    private let logLevel: LogLevelControl
    private let logger: Logger

    init(
        loader: ConfigLoader, keeper: Keeper, verifications: VerificationQueue, notifier: SystemdNotifier,
        logLevel: LogLevelControl, logger: Logger
    ) {
        self.loader = loader
        self.keeper = keeper
        self.verifications = verifications
        self.notifier = notifier
        self.logLevel = logLevel
        self.logger = logger
    }

    /// The keys that changed, or why the new configuration was refused.
    func reload() async -> Result<[String], ConfigError> {
        notify("RELOADING=1\nMONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds)")
        let result: Result<[String], ConfigError>
        do {
            let new = try loader.load()
            let old = await keeper.config
            let (changed, recheck) = await keeper.reconfigure(new)
            for id in recheck { verifications.enqueue(.init(model: id, scope: .wholeModel(deep: false), source: .verify)) }
            logLevel.level = new.daemon.logLevel.swiftLogLevel
            if new.daemon.socket != old.daemon.socket || new.daemon.socketMode != old.daemon.socketMode {
                logger.warning("the control socket's path and mode change only at restart", metadata: ["socket": "\(old.daemon.socket)"])
            }
            logger.notice(
                "configuration reloaded", metadata: ["changed": "\(changed.isEmpty ? "nothing" : changed.joined(separator: ","))"])
            result = .success(changed)
        } catch {
            logger.error("reload refused, the running configuration stays: \(error)")
            result = .failure(error)
        }
        notify("READY=1\nSTATUS=\(await keeper.summary())")
        return result
    }

    private func notify(_ state: String) {
        do {
            try notifier.send(state)
        } catch {
            logger.warning("systemd was not told: \(error)")
        }
    }
}
