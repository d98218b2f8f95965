import Foundation
import Glibc
import ModeldCore
import ModeldLinux
import ModeldProtocol
import Synchronization

// MARK: - The transfer loop: segments, retries, the journal

extension FileFetcher {
    /// How a segment (one ranged request and its retries) ended.
    enum SegmentEnd: Sendable {
        case done
        /// The server answered the Range request with the whole body, or refused it (416).
        case rangeIgnored
        case failed(DownloadFailure)
        /// The journal task (or the tuner's), stopped when the segments are all done.
        case journalStopped
        /// The tuner's look at the bytes fetched over one interval.
        case measured(fetchedBefore: Int64, fetchedNow: Int64)
    }

    /// Fetches every byte `written` lacks while the whole-file digest follows the bytes
    /// as they land; returns the digest (and the chunk index, when the file had to be read
    /// again).
    func transferAndHash(
        _ file: ManifestFile, into partial: PartialBlob, written: WrittenRanges, synced: RangeSet, job: Job
    ) async throws(DownloadFailure) -> (digest: String, chunkHashes: [String]?) {
        async let hashed = follow(file, at: partial.path, written: written)
        let missing = written.snapshot.gaps(within: file.size)
        let rangesServed = try await transfer(file, ranges: missing, into: partial, written: written, journal: synced, job: job)
        if !rangesServed {
            // One request for the whole body, from the first byte.
            logger.info("\(job.model.id): the server ignores Range; fetching \(file.path) in one piece")
            written.reset()
            let whole = ByteRange(0, file.size)
            let end = await segment(whole, whole: true, file, into: partial, written: written, locations: SignedLocations(), job: job)
            if case .failed(let failure) = end {
                throw failure
            }
        }
        switch await hashed {
        case .success(let result) where !written.wasReset:
            return (result, nil)
        case .success:
            // Written again from the first byte, perhaps by another server (a retry moves
            // on to the next): the digest that followed the first writes need not describe
            // what is on disk now. One read settles it.
            do throws(HashingError) {
                let check = try await hasher.firstVerification(
                    path: partial.path, kind: file.digest.kind, expectedSize: file.size, chunkSize: chunkSize)
                return (check.sizeMatches ? check.digest : "", check.chunkHashes)
            } catch .cancelled {
                throw .stopped
            } catch {
                throw .failed(ProtocolError(.internal, "cannot read \(partial.path) back to check it: \(error)", hint: "check the store's disk"))
            }
        case .failure(.cancelled):
            throw .stopped
        case .failure(let error):
            throw .failed(ProtocolError(.internal, "cannot read \(partial.path) back to check it: \(error)", hint: "check the store's disk"))
        }
    }

    private func follow(_ file: ManifestFile, at path: String, written: WrittenRanges) async -> Result<String, HashingError> {
        do throws(HashingError) {
            return .success(try await hasher.followingDigest(
                path: path, kind: file.digest.kind, size: file.size, written: { written.snapshot }))
        } catch {
            return .failure(error)
        }
    }

    /// Fetches `ranges`, cut into pieces that the file's connections take in file order,
    /// each piece retried on its own: `connections_per_file` at first, doubled while the
    /// added ones raise the throughput enough, up to `max_connections_per_file`
    /// (``ConnectionTuner``). With `journal` (the synced ranges so far), what is written
    /// is journaled as it goes. False when the server ignores Range requests.
    func transfer(
        _ file: ManifestFile, ranges: [ByteRange], into partial: PartialBlob, written: WrittenRanges, journal: RangeSet? = nil,
        job: Job
    ) async throws(DownloadFailure) -> Bool {
        let pieces = PieceQueue(SegmentPlanner.pieces(missing: ranges, pieceSize: SegmentPlanner.pieceSize(fileSize: file.size)))
        let locations = SignedLocations()
        var tuner = ConnectionTuner(
            start: min(job.settings.connectionsPerFile, pieces.count), maximum: min(job.settings.maxConnectionsPerFile, pieces.count))
        guard pieces.count > 0 else { return true }
        let budget = ConnectionBudget(allowed: tuner.target)
        let (failure, rangeIgnored) = await withTaskGroup(of: SegmentEnd.self) { group in
            if let journal {
                group.addTask {
                    await journalLoop(partial, file, written: written, synced: journal)
                    return .journalStopped
                }
            }
            let connection: @Sendable () async -> SegmentEnd = {
                budget.join()
                while true {
                    // One too many (the tuner took one back): counted out by `mayGoOn` itself.
                    guard budget.mayGoOn() else { return .done }
                    guard let piece = pieces.next() else {
                        budget.leave()
                        return .done
                    }
                    let end = await segment(piece, whole: false, file, into: partial, written: written, locations: locations, job: job)
                    guard case .done = end else {
                        budget.leave()
                        return end
                    }
                }
            }
            let measure: @Sendable (Int64) async -> SegmentEnd = { fetchedBefore in
                guard (try? await Task.sleep(for: Self.tuningInterval)) != nil else { return .journalStopped }
                return .measured(fetchedBefore: fetchedBefore, fetchedNow: written.fetched)
            }
            for _ in 0..<tuner.target { group.addTask(operation: connection) }
            if !tuner.settled { group.addTask { await measure(written.fetched) } }
            var left = tuner.target
            var failure: DownloadFailure?
            var rangeIgnored = false
            for await end in group {
                switch end {
                case .done:
                    left -= 1
                case .journalStopped:
                    continue
                case .measured(let before, let now):
                    let connections = tuner.target
                    switch tuner.observe(bytesPerSecond: Double(now - before) / Self.tuningInterval.inSeconds) {
                    case .grow:
                        budget.allow(tuner.target)
                        for _ in connections..<tuner.target {
                            left += 1
                            group.addTask(operation: connection)
                        }
                    case .shrink:
                        budget.allow(tuner.target)
                    case .hold:
                        break
                    }
                    if !tuner.settled, left > 0, !pieces.isEmpty { group.addTask { await measure(now) } }
                    continue
                case .rangeIgnored:
                    left -= 1
                    rangeIgnored = true
                    group.cancelAll()
                case .failed(let cause):
                    left -= 1
                    // The first real cause wins over the `stopped` of the siblings it stopped.
                    if failure?.isStopped ?? true { failure = cause }
                    group.cancelAll()
                }
                if left == 0 { group.cancelAll() }
            }
            return (failure, rangeIgnored)
        }
        if let failure, !(rangeIgnored && failure.isStopped) { throw failure }
        if tuner.target != min(job.settings.connectionsPerFile, pieces.count) {
            logger.info("\(job.model.id): \(file.path) settled on \(tuner.target) connections", metadata: ["model": "\(job.model.id)"])
        }
        return !rangeIgnored
    }

    /// How often a file's throughput is looked at to tune its connections: long enough
    /// for a new connection's first request and redirect (three round trips), short enough
    /// for a big file to find its count in its first seconds.
    static let tuningInterval: Duration = .milliseconds(500)

    /// One range, fetched to its end: a transfer, and after a failure worth retrying
    /// another one from where it stopped (the next server, when mirrors are configured),
    /// after the backoff or the server's `Retry-After`. The CDN URL a server's `/resolve`
    /// led to is asked directly once known (`locations`), without the token.
    func segment(
        _ range: ByteRange, whole: Bool, _ file: ManifestFile, into partial: PartialBlob, written: WrittenRanges,
        locations: SignedLocations, job: Job
    ) async -> SegmentEnd {
        var start = range.start
        var failures = 0
        var servers = ServerRotation(job.servers)
        while start < range.end {
            let signed = locations.url(for: servers.current)
            let url = signed ?? HubAPI.resolveURL(endpoint: servers.current, repo: job.manifest.repo, commit: job.manifest.commit, path: file.path)
            var transfer = CurlMultiEngine.Transfer(
                url: url, range: whole ? nil : ByteRange(start, range.end),
                bearerToken: signed == nil && servers.currentIsEndpoint ? job.token : nil, file: partial.fd)
            transfer.stallTimeout = Int(max(1, job.settings.stallTimeout.seconds.rounded(.up)))
            transfer.fileSize = file.size
            transfer.counter = ByteCounter(pulse: written.pulse)
            // A blob two models need is fetched once, by the model that started it: its
            // bytes count against that model's limit (and the global one), not twice.
            transfer.rateGroup = job.model.id
            let key = written.begin(at: start, counter: transfer.counter)
            let outcome = await engine.run(transfer)
            written.end(key, written: outcome.bytesWritten)
            start += outcome.bytesWritten
            if outcome.cancelled || Task.isCancelled { return .failed(.stopped) }
            if let code = outcome.writeErrno {
                let error = SystemError("write(\(partial.path))", errno: code)
                return .failed(code == ENOSPC || code == EDQUOT
                    ? DownloadFailure.diskFull("\(error)", model: job.model.id)
                    : .failed(ProtocolError(.internal, "\(error)", hint: "check the store's disk")))
            }
            if outcome.rangeIgnored { return .rangeIgnored }
            if let signed, SignedURL.isStale(status: outcome.status) {
                // Expired or refused: the hub signs a new one at once, and nothing was lost.
                locations.forget(signed)
                continue
            }
            if signed == nil, (200..<300).contains(outcome.status), let final = outcome.finalURL,
                SignedURL.isReusable(final: final, requested: url)
            {
                locations.learn(final, from: servers.current)
            }
            if let untrusted = outcome.failure, untrusted.isUntrustedServer {
                // Before the status: a redirect followed to a host not trusted leaves its 302.
                let failure = untrusted.untrustedServerFailure
                logger.log(
                    level: untrustedServers.isNew(servers.current) ? .warning : .debug,
                    "\(job.model.id): \(file.path): \(failure.message) (asked of \(servers.current)); \(failure.hint)",
                    metadata: ["model": "\(job.model.id)", "file": "\(file.path)"])
                if servers.refuse(failure) { continue }
                return .failed(.failed(DownloadFailure.error(servers.refusal(of: file.path))))
            }
            let error: String
            var retryAfter: TimeSpan?
            if (200..<300).contains(outcome.status) || outcome.status == 0 {
                if outcome.failure == nil && start >= range.end { return .done }
                error = outcome.failure.map { "\($0)" } ?? "the server ended the answer after \(outcome.bytesWritten) bytes"
            } else if outcome.status == 416 {
                // "Range not satisfiable": whatever the server thinks of the range, one
                // request for the whole body settles it, and the digest judges the bytes.
                return .rangeIgnored
            } else {
                let hub = HubAPI.failure(
                    status: outcome.status, errorCode: outcome.headers["x-error-code"], message: outcome.headers["x-error-message"],
                    repo: job.manifest.repo, revision: job.manifest.commit)
                guard RetryPolicy.verdict(status: outcome.status) == .retry else {
                    // This server will not serve the file: the next one is asked at once.
                    if servers.refuse(hub) { continue }
                    return .failed(.failed(DownloadFailure.error(servers.refusal(of: file.path))))
                }
                error = hub.message
                retryAfter = RetryPolicy.retryAfter(outcome.headers["retry-after"])
            }
            // A connection that delivered before failing is not a dead server: the count
            // of failures in a row starts again.
            if outcome.bytesWritten > 0 { failures = 0 }
            failures += 1
            guard failures <= job.settings.maxRetries else {
                return .failed(.failed(ProtocolError(
                    .network, "\(file.path): \(error); \(job.settings.maxRetries) retries did not help (servers: \(servers.description))",
                    hint: "check the network and HF_ENDPOINT, then: modelctl pull \(job.model.id)")))
            }
            let delay = backoff(job).delay(attempt: failures, jitter: Double.random(in: 0...1), retryAfter: retryAfter)
            servers.advance()
            if whole {
                // A request without a range starts at the first byte again.
                written.reset()
                start = range.start
            }
            await job.onRetry(file.path, failures, job.settings.maxRetries, delay, error)
            do {
                try await Task.sleep(for: delay.duration)
            } catch {
                return .failed(.stopped)
            }
        }
        return .done
    }

    /// Journals the written ranges so that a restart after `kill -9` fetches again little
    /// more than was lost in flight: a record each time 1 MiB more is written (the written
    /// bytes' own beat) but at most every 50 ms, or `journalSlowGap` after the last when less
    /// came (the page cache keeps every written byte through a crash of the daemon).
    /// Syncs the file every 30 s or 512 MiB, so a reboot loses at most that. Ends when
    /// cancelled.
    private func journalLoop(_ partial: PartialBlob, _ file: ManifestFile, written: WrittenRanges, synced initial: RangeSet) async {
        var synced = initial
        var recorded = initial.byteCount
        var lastRecord = ContinuousClock.now
        var lastSync = ContinuousClock.now
        await withDiscardingTaskGroup { group in
            // A beat of its own for a slow transfer that seldom crosses a megabyte.
            group.addTask {
                while (try? await Task.sleep(for: Self.journalSlowGap)) != nil { written.pulse.beat() }
                written.pulse.finish()
            }
            for await _ in written.pulse.beats {
                let snapshot = written.snapshot
                let bytes = snapshot.byteCount
                if lastSync.duration(to: .now) >= .seconds(30) || bytes - synced.byteCount >= Self.syncEvery {
                    if case .success = await io.outcome(of: { () throws(SystemError) in try partial.syncData() }) { synced = snapshot }
                    lastSync = .now
                }
                let since = lastRecord.duration(to: .now)
                guard bytes > recorded, bytes - recorded >= Self.journalEvery && since >= Self.journalGap || since >= Self.journalSlowGap
                else { continue }
                try? await ledger.record(TransferJournal(
                    path: partial.path, digest: file.digest.hex, size: file.size, written: snapshot, synced: synced,
                    bootID: TransferJournal.currentBootID))
                recorded = bytes
                lastRecord = .now
            }
        }
    }

    /// Written bytes between two journal records, at most…
    static let journalEvery: Int64 = 1 << 20
    /// …but not more often than this: a loopback download at 1 GB/s would otherwise write
    /// the ledger a thousand times a second.
    static let journalGap: Duration = .milliseconds(50)
    /// When less than `journalEvery` came, a record this long after the last: a kill then
    /// loses at most this long of a slow transfer (a 3 MiB update at 1 MB/s lost 600 KB,
    /// 19 %, with half a second).
    static let journalSlowGap: Duration = .milliseconds(100)
    /// Written bytes between two syncs of the file, at most (besides every 30 s).
    static let syncEvery: Int64 = 512 << 20

    /// The journal as the transfer stops (pause, failure, shutdown): synced first, so it
    /// holds after a reboot too.
    func saveJournal(_ partial: PartialBlob, _ file: ManifestFile, written: WrittenRanges) async {
        let snapshot = written.snapshot
        let io = io, ledger = ledger
        _ = try? await finishing {
            let synced: Bool
            if case .success = await io.outcome(of: { () throws(SystemError) in try partial.syncData() }) {
                synced = true
            } else {
                synced = false
            }
            try await ledger.record(TransferJournal(
                path: partial.path, digest: file.digest.hex, size: file.size, written: snapshot,
                synced: synced ? snapshot : RangeSet(), bootID: TransferJournal.currentBootID))
        }
    }
}

/// The pieces of a file not yet taken by a connection, first in file order first.
private final class PieceQueue: Sendable {
    private let left: Mutex<[ByteRange]>
    let count: Int

    init(_ pieces: [ByteRange]) {
        left = Mutex(pieces.reversed())
        count = pieces.count
    }

    func next() -> ByteRange? { left.withLock { $0.popLast() } }

    var isEmpty: Bool { left.withLock { $0.isEmpty } }
}

/// How many of a file's connections may take another piece: one that finds more at work
/// than the tuner allows now ends after the piece it has.
private final class ConnectionBudget: Sendable {
    private let state: Mutex<(allowed: Int, working: Int)>

    init(allowed: Int) { state = Mutex((allowed, 0)) }

    func allow(_ count: Int) { state.withLock { $0.allowed = count } }

    func join() { state.withLock { $0.working += 1 } }

    /// Asked by a connection before each piece: false when it is one too many, and then it
    /// is counted out already.
    func mayGoOn() -> Bool {
        state.withLock { state in
            guard state.working <= state.allowed else {
                state.working -= 1
                return false
            }
            return true
        }
    }

    func leave() { state.withLock { $0.working -= 1 } }
}
