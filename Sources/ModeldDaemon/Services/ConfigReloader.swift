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
    private let downloads: Downloader
    private let notifier: SystemdNotifier
    private let logLevel: LogLevelControl
    private let logger: Logger

    init(
        loader: ConfigLoader, keeper: Keeper, verifications: VerificationQueue, downloads: Downloader, notifier: SystemdNotifier,
        logLevel: LogLevelControl, logger: Logger
    ) {
        self.loader = loader
        self.keeper = keeper
        self.verifications = verifications
        self.downloads = downloads
        self.notifier = notifier
        self.logLevel = logLevel
        self.logger = logger
    }

    /// Settings the running services were built with: they apply at the next start.
    /// Everything else (the catalog, hub endpoint and token, limits, log level, the admin
    /// group) applies at once; `idle_timeout` to the connections opened after the reload,
    /// `[metrics] textfile` and `textfile_interval` at the next write of the file.
    static let restartKeys = [
        "daemon.socket", "daemon.socket_mode", "daemon.socket_group", "daemon.max_connections",
        "daemon.store_dir", "daemon.links_dir", "daemon.state_dir",
        "verify.chunk_size", "verify.quiet_period", "verify.scrub_every",
        // Bound before the services start, so that a port that cannot be had stops the start.
        "metrics.listen",
    ]

    /// The keys that changed (and which of them wait for a restart), or why the new
    /// configuration was refused.
    func reload() async -> Result<ReloadResult, ConfigError> {
        notify("RELOADING=1\nMONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds)")
        let result: Result<ReloadResult, ConfigError>
        do {
            let new = try loader.load()
            let (changed, recheck) = await keeper.reconfigure(new)
            for id in recheck { verifications.enqueue(.init(model: id, scope: .wholeModel(deep: false), source: .verify)) }
            // Running work follows the new catalog: downloads of models gone stop, those of
            // entries that name other files are planned again once checked.
            await downloads.configChanged(new)
            logLevel.level = new.daemon.logLevel.swiftLogLevel
            let waiting = changed.filter(Self.restartKeys.contains)
            if !waiting.isEmpty {
                logger.warning("\(waiting.joined(separator: ", ")) take effect at the next restart (systemctl restart modeld)")
            }
            logger.notice(
                "configuration reloaded", metadata: ["changed": "\(changed.isEmpty ? "nothing" : changed.joined(separator: ","))"])
            result = .success(ReloadResult(changed: changed, restartNeeded: waiting))
        } catch {
            logger.error("reload refused, the running configuration stays: \(error)")
            result = .failure(error)
        }
        notify("READY=1\nSTATUS=\(await keeper.summary())")
        return result
    }

    /// The config files read again as `reload` reads them, nothing applied: the keys
    /// that differ from what runs, or why they do not load (`doctor`).
    func check() async -> Result<[String], ConfigError> {
        do {
            let new = try loader.load()
            return .success(ConfigDiff.changedKeys(from: await keeper.config, to: new))
        } catch {
            return .failure(error)
        }
    }

    private func notify(_ state: String) {
        do {
            try notifier.send(state)
        } catch {
            logger.warning("systemd was not told: \(error)")
        }
    }
}
