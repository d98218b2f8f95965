import Foundation
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol
import ServiceLifecycle
import Synchronization

/// Knows the machine: the store's filesystems, memory and the GPUs. Everything is read
/// again every `[gpu] poll_every` and on demand (`resources`); the disk also after each
/// download and repair. `status` and `acquire` read the last reading without waiting.
/// Dropping under `[disk] warn_below` is told once per crossing: a `disk.low` event
/// with cleanup suggestions, a journald warning, and the `STATUS=` line (until it is
/// back above).
final class ResourceMonitor: Service, Sendable {
    private let keeper: Keeper
    private let events: EventBus
    private let cleaner: Cleaner
    private let io: BlockingPool
    /// The store, the stable links and the ledger: on one filesystem or several.
    private let paths: [String]
    private let logger: Logger
    private let last = Mutex<Reading>(Reading())

    private struct Reading {
        var disk: [DiskReport] = []
        var diskRead: ContinuousClock.Instant?
        var memory: MemoryReading?
        var memoryUnknown: String?
        var gpus: GPUState = .unknown(reason: "not asked yet")
        /// The first path of each filesystem now under `warn_below`.
        var low: Set<String> = []
        /// Disk measurements begun, and the newest one kept.
        var diskTickets: UInt64 = 0
        var diskStored: UInt64 = 0
    }
    private let diskChanges: AsyncStream<DiskChange>.Continuation
    private let diskChangeStream: AsyncStream<DiskChange>
    /// Tells systemd the new `STATUS=` line.
    private let statusChanged: @Sendable () async -> Void

    /// How old a disk reading may get before a reader asks for a new one: statvfs is
    /// cheap, not free, and a few hundred clients polling status need not each pay it.
    static let diskReadingLife: Duration = .seconds(1)
    /// A reader found the disk reading stale; `refreshStaleDisk` reads it again. Coalesced:
    /// however many ask meanwhile, one statvfs round follows.
    private let staleDisk: AsyncStream<Void>.Continuation
    private let staleDiskStream: AsyncStream<Void>

    init(
        keeper: Keeper, events: EventBus, cleaner: Cleaner, io: BlockingPool, settings: DaemonSettings, logger: Logger,
        statusChanged: @escaping @Sendable () async -> Void
    ) {
        self.statusChanged = statusChanged
        (diskChangeStream, diskChanges) = AsyncStream.makeStream(of: DiskChange.self)
        (staleDiskStream, staleDisk) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.keeper = keeper
        self.events = events
        self.cleaner = cleaner
        self.io = io
        paths = [settings.storeDir, settings.linksDir, settings.stateDir]
        self.logger = logger
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.poll() }
                group.addTask { await self.checkDiskAfterDownloads() }
                group.addTask { await self.tellDiskChanges() }
                group.addTask { await self.refreshStaleDisk() }
            }
        }
    }

    /// The largest GPU's memory in GB, or nil when no GPU is known.
    var gpuMemoryGB: Int? { last.withLock { $0.gpus.largestMemoryGB } }

    /// Everything read again now (`resources`).
    func refresh() async -> ResourcesResult {
        let nvidiaSMI = await keeper.config.gpu.nvidiaSMI
        async let gpus = GPUProbe(executable: nvidiaSMI).read()
        let disk = await checkDisk()
        let memory = await io.outcome { () throws(SystemError) in try MemoryProbe.read() }
        let gpuState = await gpus
        last.withLock {
            $0.gpus = gpuState
            switch memory {
            case .success(let reading): ($0.memory, $0.memoryUnknown) = (reading, nil)
            case .failure(let error): ($0.memory, $0.memoryUnknown) = (nil, "\(error)")
            }
        }
        if case .unknown(let reason) = gpuState { logger.debug("GPU state unknown: \(reason)") }
        return latest(disk: disk)
    }

    /// The last reading, without waiting for the disk unless it was never read: a reading
    /// older than `diskReadingLife` is answered as it is and read again behind the answer,
    /// so `status` never waits for statvfs (an NFS store can make it slow).
    func current() async -> ResourcesResult {
        let age = last.withLock { reading in reading.diskRead.map { $0.duration(to: .now) } }
        guard let age else { return latest(disk: await checkDisk()) }
        if age >= Self.diskReadingLife { staleDisk.yield() }
        return latest(disk: nil)
    }

    private func latest(disk: [DiskReport]?) -> ResourcesResult {
        last.withLock {
            ResourcesResult(disk: disk ?? $0.disk, memory: $0.memory, memoryUnknown: $0.memoryUnknown, gpus: $0.gpus, checked: Date())
        }
    }

    private func poll() async {
        while !Task.isCancelled {
            _ = await refresh()
            let period = await keeper.config.gpu.pollEvery.duration
            do {
                try await Task.sleep(for: period)
            } catch {
                return
            }
        }
    }

    private func refreshStaleDisk() async {
        for await _ in staleDiskStream { await checkDisk() }
    }

    private func checkDiskAfterDownloads() async {
        // If it ever falls behind the bus cuts it off: subscribe again.
        while !Task.isCancelled {
            let feed = events.subscribe(Subscription(topics: ["download.done", "repair.done"]))
            for await _ in feed.events { _ = await checkDisk() }
            feed.cancel()
        }
    }

    /// statvfs of each path, one report per filesystem. A filesystem that just dropped
    /// under `warn_below` (or came back) is handed to `tellDiskChanges`, which warns in
    /// order, off the caller's request.
    @discardableResult
    func checkDisk() async -> [DiskReport] {
        let disk = await keeper.config.disk
        let ticket = last.withLock { reading in
            reading.diskTickets += 1
            return reading.diskTickets
        }
        let measured = await io.outcome { [paths] () throws(SystemError) in
            var spaces: [(String, DiskSpace)] = []
            for path in paths { spaces.append((path, try DiskSpace.of(path))) }
            return spaces
        }
        let spaces: [(String, DiskSpace)]
        switch measured {
        case .success(let measured): spaces = measured
        case .failure(let error):
            logger.warning("the store's free space could not be read: \(error)")
            return last.withLock { $0.disk }
        }
        var reports: [DiskReport] = []
        var devices: [UInt: Int] = [:]
        for (path, space) in spaces {
            if let index = devices[space.device] {
                if !reports[index].paths.contains(path) { reports[index].paths.append(path) }
                continue
            }
            devices[space.device] = reports.count
            reports.append(DiskReport(
                paths: [path], totalBytes: space.totalBytes, freeBytes: space.availableBytes, freeToRootBytes: space.freeBytes,
                reserveBytes: disk.reserve.bytes, warnBelowBytes: disk.warnBelow.bytes))
        }
        let nowLow = Set(reports.filter(\.low).map { $0.paths[0] })
        // Checks run side by side (the poll, downloads, requests): a measurement older
        // than the one already kept is not news.
        let change: DiskChange? = last.withLock { reading in
            guard ticket > reading.diskStored else { return nil }
            defer { (reading.disk, reading.diskRead, reading.low, reading.diskStored) = (reports, .now, nowLow, ticket) }
            return nowLow == reading.low ? nil : DiskChange(reports: reports, wasLow: reading.low, nowLow: nowLow)
        }
        if let change { diskChanges.yield(change) }
        return reports
    }

    private struct DiskChange {
        var reports: [DiskReport]
        var wasLow: Set<String>
        var nowLow: Set<String>
    }

    /// One at a time, in the order measured: the Keeper's note (for `STATUS=` and what
    /// follows), the warning with its suggestions, `STATUS=` itself.
    private func tellDiskChanges() async {
        for await change in diskChangeStream {
            let warning = change.reports.first(where: \.low).map { "disk low: \(ByteSize.format($0.freeBytes)) free on \($0.paths[0])" }
            await keeper.noteDiskWarning(warning)
            for report in change.reports where report.low && !change.wasLow.contains(report.paths[0]) { await warn(report) }
            for path in change.wasLow.subtracting(change.nowLow) {
                logger.notice("disk space recovered on \(path): back above warn_below")
            }
            await statusChanged()
        }
    }

    private func warn(_ report: DiskReport) async {
        let suggestions = await cleaner.suggestions()
        let advice = suggestions.isEmpty
            ? "nothing here can be removed safely; free space outside the store"
            : suggestions.map { "\($0.command) (\($0.why)\($0.freesBytes.map { ", frees \(ByteSize.format($0))" } ?? ""))" }
                .joined(separator: "; ")
        logger.warning(
            "disk low on \(report.paths[0]): \(ByteSize.format(report.freeBytes)) free, under warn_below \(ByteSize.format(report.warnBelowBytes)); \(advice)",
            metadata: ["free_bytes": "\(report.freeBytes)", "threshold_bytes": "\(report.warnBelowBytes)"])
        events.publish(Event(.diskLow(
            path: report.paths[0], freeBytes: report.freeBytes, thresholdBytes: report.warnBelowBytes, suggestions: suggestions)))
    }
}
