import Foundation
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol
import ServiceLifecycle
import UnixSignals

/// Wires the services together and runs them until SIGTERM or SIGINT.
public enum Daemon {
    public static func run(config: ModeldConfig, loader: ConfigLoader, logLevel: LogLevelControl) async throws {
        let logger = Logger(label: "modeld")
        let notifier = SystemdNotifier()
        let events = EventBus()
        let keeper = Keeper(config: config, events: events, logger: logger)
        let reloader = ConfigReloader(loader: loader, keeper: keeper, notifier: notifier, logLevel: logLevel, logger: logger)
        let metrics = ControlMetrics()
        let router = CommandRouter(keeper: keeper, reloader: reloader, metrics: metrics, started: Date())
        let hangups = await UnixSignalsSequence(trapping: .sighup)

        let control = ControlServer(
            settings: config.daemon, router: router, events: events, metrics: metrics, logger: logger,
            onListening: {
                let summary = await keeper.summary()
                do {
                    try notifier.send("READY=1\nSTATUS=\(summary)")
                } catch {
                    logger.warning("systemd was not told we are ready: \(error)")
                }
                logger.notice("ready: \(summary)")
            })
        // Graceful shutdown runs from the last service to the first: systemd hears
        // STOPPING=1 before the socket closes.
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: control),
                    .init(service: ReloadService(hangups: hangups, reloader: reloader)),
                    .init(service: SystemdService(notifier: notifier, keeper: keeper, events: events, logger: logger)),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.notice("stopped")
    }
}
