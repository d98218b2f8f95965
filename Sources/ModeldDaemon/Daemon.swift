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
        let store = Store(root: config.daemon.storeDir, linksDirectory: config.daemon.linksDir)
        let ledgerPath = config.daemon.stateDir + "/ledger.sqlite"
        // Should the ledger's schema be migrated, the backup taken first names the config it ran with.
        let effectiveConfig = try config.effectiveText(readFrom: loader.sources)
        let ledger: Ledger
        do {
            ledger = try Ledger(path: ledgerPath, version: ProtocolVersion.release, config: effectiveConfig, logger: logger)
        } catch let error as Ledger.SchemaError {
            throw DaemonError.ledgerSchemaNewer("\(error)")
        } catch {
            throw DaemonError.ledgerUnusable(ledgerPath, "\(error)")
        }
        do {
            await keeper.restorePins(try await ledger.pins())
        } catch {
            throw DaemonError.ledgerUnusable(ledgerPath, "\(error)")
        }
        // Bulk work runs below the threads that answer requests (ThreadPriority).
        let hashing = try BlockingPool(priority: .bulk)
        // Manifest requests, the store's small file operations and name-service lookups
        // block: a pool of their own, never queued behind hashing.
        let io = try BlockingPool(threadCount: 2, name: "modeld-io")
        let scrubbing = try BlockingPool(threadCount: 1, name: "modeld-scrub", priority: .background)
        // Each file in flight holds a thread of this pool, its digest following the bytes.
        let downloadHashing = try BlockingPool(
            threadCount: FileFetcher.poolThreads(concurrentFiles: config.downloads.concurrentFiles), name: "modeld-dl", priority: .bulk)
        // The downloads' file operations (fallocate, fdatasync, fsync of a 10 GB shard,
        // rename): a pool of their own, so a slow sync never delays `status`, statvfs or
        // a name lookup on `io`.
        let storing = try BlockingPool(
            threadCount: FileFetcher.poolThreads(concurrentFiles: config.downloads.concurrentFiles), name: "modeld-store", priority: .bulk)
        for pool in [hashing, scrubbing, downloadHashing, storing] {
            if let problem = pool.priorityProblem { logger.warning("the \(pool.name) threads run at normal priority: \(problem)") }
        }
        defer {
            hashing.shutdown()
            io.shutdown()
            downloadHashing.shutdown()
            storing.shutdown()
            scrubbing.shutdown()
        }
        let counters = VerifyCounters()
        let chunkSize = Int(config.verify.chunkSize.bytes)
        let indexer = ChunkIndexer(hasher: FileHasher(pool: scrubbing), ledger: ledger, chunkSize: chunkSize, logger: logger)
        let verifier = FileVerifier(
            store: store, ledger: ledger, hasher: FileHasher(pool: hashing), chunkSize: chunkSize, counters: counters,
            indexer: indexer, logger: logger)
        var scrubVerifier = verifier
        scrubVerifier.hasher = FileHasher(pool: scrubbing)
        let manifests = ManifestSource(store: store, pool: io, logger: logger)
        let queue = VerificationQueue()
        let linker = StableLinker(keeper: keeper, store: store, pool: io, logger: logger)
        let engine: CurlMultiEngine
        do {
            engine = try CurlMultiEngine(priority: .bulk)
        } catch {
            throw DaemonError.transfersUnusable("\(error)")
        }
        if let problem = engine.priorityProblem { logger.warning("the transfer thread runs at normal priority: \(problem)") }
        let downloader = Downloader(
            keeper: keeper, events: events, ledger: ledger, engine: engine,
            fetcher: FileFetcher(
                engine: engine, store: store, ledger: ledger, hasher: FileHasher(pool: downloadHashing),
                indexer: indexer, verifier: verifier, io: storing, chunkSize: chunkSize, logger: logger),
            planner: DownloadPlanner(keeper: keeper, manifests: manifests, ledger: ledger, io: io, logger: logger), linker: linker,
            slots: config.downloads.concurrentFiles, logger: logger)
        let reloader = ConfigReloader(
            loader: loader, keeper: keeper, verifications: queue, downloads: downloader, notifier: notifier, logLevel: logLevel,
            logger: logger)
        let metrics = ControlMetrics(verify: counters, downloaded: engine.received)
        let evictor = Evictor(keeper: keeper, downloads: downloader, store: store, ledger: ledger, verifications: queue, io: io, logger: logger)
        let cleaner = Cleaner(keeper: keeper, downloads: downloader, evictor: evictor, store: store, ledger: ledger, io: io, logger: logger)
        let resources = ResourceMonitor(
            keeper: keeper, events: events, cleaner: cleaner, io: io, settings: config.daemon, logger: logger,
            statusChanged: {
                do {
                    try notifier.send("STATUS=\(await keeper.summary())")
                } catch {
                    logger.warning("systemd was not told: \(error)")
                }
            })
        let updater = Updater(
            keeper: keeper, manifests: manifests, fetcher: downloader.fetcher, resources: resources, cleaner: cleaner, events: events,
            io: io, logger: logger)
        let watch = PerformanceWatch(ledger: ledger, keeper: keeper, resources: resources, events: events, logger: logger)
        let usage = UsageRecorder(ledger: ledger, keeper: keeper, resources: resources, watch: watch, metrics: metrics.usage, logger: logger)
        do {
            await keeper.restoreUsage(try await usage.loadTallies())
        } catch {
            throw DaemonError.ledgerUnusable(ledgerPath, "\(error)")
        }
        let acquirer = Acquirer(
            keeper: keeper, downloads: downloader, verifications: queue, usage: usage, resources: resources,
            store: store, updater: updater, logger: logger)
        let coverage = WatchCoverage()
        let started = Date()
        let exposition = MetricsExposition(metrics: metrics, keeper: keeper, watch: watch, resources: resources, started: started)
        let adopter = Adopter(
            keeper: keeper, store: store, ledger: ledger, manifests: manifests, hasher: FileHasher(pool: hashing), verifier: verifier,
            downloads: downloader, linker: linker, events: events, chunkSize: chunkSize, logger: logger)
        let router = CommandRouter(
            keeper: keeper, reloader: reloader, metrics: metrics, exposition: exposition, verifications: queue, downloads: downloader, acquirer: acquirer,
            evictor: evictor, cleaner: cleaner, resources: resources, updater: updater,
            health: HealthCheck(keeper: keeper, resources: resources, cleaner: cleaner, watch: watch, ledger: ledger), usage: usage,
            backups: LedgerBackup(keeper: keeper, ledger: ledger, storePath: config.daemon.storeDir, io: io),
            adopter: adopter,
            doctor: Doctor(
                keeper: keeper, reloader: reloader, resources: resources, coverage: coverage, io: io, storePath: config.daemon.storeDir),
            io: io, storePath: config.daemon.storeDir, started: started)
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
        var metricsEndpoint: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let address = config.metrics.listenAddress {
            let (listener, port) = try MetricsHTTPServer.bind(address)
            var bound = address
            bound.port = port
            // With port 0 this line is the only place that tells which port it got.
            logger.notice("metrics on http://\(bound)/metrics", metadata: ["listen": "\(bound)"])
            metricsEndpoint = [.init(service: MetricsHTTPServer(listener: listener, exposition: exposition, logger: logger))]
        }
        // Graceful shutdown runs from the last service to the first: systemd hears
        // STOPPING=1 before the socket closes, and the textfile is written last.
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: MetricsTextfileWriter(keeper: keeper, exposition: exposition, io: io, logger: logger)),
                    .init(service: VerificationService(
                        keeper: keeper, queue: queue, manifests: manifests, verifier: verifier, linker: linker, ledger: ledger,
                        logger: logger)),
                    .init(service: downloader),
                    .init(service: AutoFetcher(keeper: keeper, downloads: downloader, logger: logger)),
                    .init(service: StoreWatcher(
                        keeper: keeper, events: events, queue: queue, store: store,
                        quietPeriod: config.verify.quietPeriod.duration, coverage: coverage, logger: logger)),
                    .init(service: ScrubService(
                        keeper: keeper, ledger: ledger, verifier: scrubVerifier, period: config.verify.scrubEvery, logger: logger)),
                    .init(service: resources),
                    .init(service: updater),
                    .init(service: usage),
                    .init(service: adopter),
                    .init(service: control),
                ] + metricsEndpoint + [
                    .init(service: ReloadService(hangups: hangups, reloader: reloader)),
                    .init(service: SystemdService(notifier: notifier, keeper: keeper, events: events, logger: logger)),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.notice("stopped")
    }
}
