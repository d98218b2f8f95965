import ModeldCore
import Testing

/// The download queue's rules, event by event, with no daemon: each test drives a
/// ``DownloadQueue`` and reads the actions it answers (publishes left out: every event
/// ends with them).
@Suite struct DownloadQueueTests {
    struct Failure: Error, Equatable, CustomStringConvertible {
        var description: String
    }
    typealias Queue = DownloadQueue<Failure>

    static func file(_ path: String, _ hex: Character, size: Int64 = 100) -> ManifestFile {
        ManifestFile(path: path, size: size, digest: .sha256(String(repeating: hex, count: 64)))
    }
    static func commit(_ digit: Character) -> String { String(repeating: digit, count: 40) }

    static let config = file("config.json", "c", size: 10)
    static let weights = file("model.safetensors", "a")
    static let vae = file("vae.pth", "b")

    /// A job for `id` on `repo` at `commit`, needing `files` (all of the manifest unless
    /// `manifest` lists more).
    static func job(
        _ id: String, repo: String = "org/wan", commit: Character = "1", _ files: [ManifestFile], priority: Priority = .normal,
        revision: String = "main", include: [String] = []
    ) -> Queue.Job {
        var model = CatalogModel(id: id, repo: repo)
        model.revision = revision
        model.include = include
        return Queue.Job(
            model: model, manifest: Manifest(repo: repo, commit: Self.commit(commit), files: files), priority: priority, pending: files,
            planned: Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0.size) }), repairing: false)
    }

    static func blob(_ file: ManifestFile, repo: String = "org/wan") -> BlobKey { BlobKey(repo: repo, digest: file.digest) }

    /// The actions as text, without the publishes.
    static func text(_ actions: [Queue.Action]) -> [String] {
        actions.compactMap { if case .publish = $0 { nil } else { $0.description } }
    }

    static func succeeded(_ fetched: Int64 = 100) -> TransferOutcome<Failure> { .succeeded(fetched: fetched, repaired: false) }

    // MARK: - Order and slots

    struct OrderCase: CustomTestStringConvertible, Sendable {
        var jobs: [(String, Priority)]
        var slots: Int
        /// Models in the order their transfers start, when each transfer ends at once.
        var starts: [String]
        var testDescription: String { "\(jobs.map { "\($0.0):\($0.1.rawValue)" }) in \(slots) slot(s)" }
    }

    @Test(arguments: [
        OrderCase(jobs: [("a", .normal), ("b", .normal), ("c", .normal)], slots: 1, starts: ["a", "b", "c"]),
        OrderCase(jobs: [("a", .low), ("b", .normal), ("c", .high)], slots: 1, starts: ["a", "c", "b"]),
        OrderCase(jobs: [("a", .normal), ("b", .low), ("c", .normal)], slots: 2, starts: ["a", "b", "c"]),
        OrderCase(jobs: [("a", .normal), ("b", .high), ("c", .high), ("d", .low)], slots: 1, starts: ["a", "b", "c", "d"]),
    ])
    func servesByPriorityThenFirstPulledInItsSlots(_ table: OrderCase) {
        var queue = Queue(slots: table.slots)
        var starts: [String] = []
        var running: [BlobKey] = []
        func note(_ actions: [Queue.Action]) {
            for case .start(let blob, _, let model) in actions {
                starts.append(model)
                running.append(blob)
            }
        }
        for (index, (id, priority)) in table.jobs.enumerated() {
            let hex = Character(String(index + 1))
            note(queue.enqueue(Self.job(id, repo: "org/\(id)", [Self.file("model.bin", hex)], priority: priority)))
        }
        #expect(queue.transfers.count == min(table.slots, table.jobs.count), "never more transfers than slots")
        while !running.isEmpty {
            let actions = queue.transferEnded(running.removeFirst(), Self.succeeded())
            #expect(actions.contains { if case .finish = $0 { true } else { false } }, "a job with nothing left is finished")
            note(actions)
        }
        #expect(starts == table.starts)
        #expect(queue.jobs.isEmpty)
    }

    @Test func aCriticalJobPausesALowOneThatGoesOnWhenNoCriticalWorkIsLeft() {
        var queue = Queue(slots: 1)
        _ = queue.enqueue(Self.job("low", repo: "org/low", [Self.weights], priority: .low))
        let pull = queue.enqueue(Self.job("urgent", repo: "org/urgent", [Self.vae], priority: .critical))
        #expect(Self.text(pull) == ["persist urgent", "low paused for urgent", "stop org/low@aaaaaaaaaaaa", "persist low"])
        #expect(queue.jobs["low"]?.pausedFor == "urgent")
        // The slot frees only once the stopped transfer has ended.
        let stopped = queue.transferEnded(Self.blob(Self.weights, repo: "org/low"), .stopped(kept: 0))
        #expect(Self.text(stopped) == ["start vae.pth (org/urgent@bbbbbbbbbbbb) for urgent"])
        let done = queue.transferEnded(Self.blob(Self.vae, repo: "org/urgent"), Self.succeeded())
        #expect(Self.text(done) == [
            "urgent: vae.pth done, 100 fetched", "low goes on", "persist low",
            "start model.safetensors (org/low@aaaaaaaaaaaa) for low", "forget urgent", "finish urgent",
        ])
    }

    @Test func aCriticalJobDoesNotPauseAnotherThanLow() {
        var queue = Queue(slots: 1)
        _ = queue.enqueue(Self.job("normal", repo: "org/n", [Self.weights]))
        let pull = queue.enqueue(Self.job("urgent", repo: "org/u", [Self.vae], priority: .critical))
        #expect(Self.text(pull) == ["persist urgent"])
        #expect(queue.position(of: "urgent") == 1 && queue.position(of: "normal") == 2)
    }

    // MARK: - One transfer per blob

    @Test func aSecondModelNeedingABlobInFlightWaitsForThatTransfer() {
        var queue = Queue(slots: 4)
        let first = queue.enqueue(Self.job("full", [Self.config, Self.weights]))
        #expect(Self.text(first).filter { $0.hasPrefix("start") }.count == 2)
        // Same repo and commit, an `include` that keeps only the config: no new transfer.
        let second = queue.enqueue(Self.job("configs", [Self.config], include: ["*.json"]))
        #expect(Self.text(second) == ["persist configs"])
        #expect(queue.transfers[Self.blob(Self.config)]?.waitingModels == ["configs", "full"])
        #expect(queue.awaited(by: "configs").map(\.blob) == [Self.blob(Self.config)], "its progress includes the shared transfer")
        #expect(queue.isWaiting("configs"))

        let ended = queue.transferEnded(Self.blob(Self.config), Self.succeeded(10))
        #expect(Self.text(ended) == [
            "configs: config.json done, 10 fetched", "full: config.json done, 10 fetched", "forget configs", "finish configs",
        ])
        let rest = queue.transferEnded(Self.blob(Self.weights), Self.succeeded())
        #expect(Self.text(rest) == ["full: model.safetensors done, 100 fetched", "forget full", "finish full"])
    }

    @Test func aWaiterOfAnotherCommitLinksTheBlobWithAFetchOfItsOwn() {
        var queue = Queue(slots: 1)
        _ = queue.enqueue(Self.job("v1", commit: "1", [Self.weights]))
        _ = queue.enqueue(Self.job("v2", commit: "2", [Self.weights]))
        #expect(queue.transfers.count == 1)
        let ended = queue.transferEnded(Self.blob(Self.weights), Self.succeeded())
        // v2's snapshot has no link yet: its own fetch finds the blob and links it.
        #expect(Self.text(ended) == [
            "v1: model.safetensors done, 100 fetched", "start model.safetensors (org/wan@aaaaaaaaaaaa) for v2", "forget v1", "finish v1",
        ])
        let linked = queue.transferEnded(Self.blob(Self.weights), Self.succeeded(0))
        #expect(Self.text(linked) == ["v2: model.safetensors done, 0 fetched", "forget v2", "finish v2"])
    }

    @Test func aRetryCountsForEveryWaiter() {
        var queue = Queue(slots: 1)
        _ = queue.enqueue(Self.job("a", [Self.weights]))
        _ = queue.enqueue(Self.job("b", [Self.weights]))
        #expect(queue.retried(Self.blob(Self.weights)) == ["a", "b"])
        #expect(queue.jobs["a"]?.retries == 1 && queue.jobs["b"]?.retries == 1)
    }

    // MARK: - Cancel, pause, discard

    struct CancelCase: CustomTestStringConvertible, Sendable {
        var description: String
        var discard: Bool
        var otherNeedsIt: Bool
        var actions: [String]
        var testDescription: String { description }
    }

    @Test(arguments: [
        CancelCase(
            description: "shared, discard: the transfer goes on for the other, nothing is dropped", discard: true, otherNeedsIt: true,
            actions: ["forget a", "a ended"]),
        CancelCase(
            description: "alone, keep: the transfer stops, its partial data stays", discard: false, otherNeedsIt: false,
            actions: ["stop org/wan@aaaaaaaaaaaa", "forget a", "a ended"]),
        CancelCase(
            description: "alone, discard: the transfer stops; its data goes once it has ended", discard: true, otherNeedsIt: false,
            actions: ["stop org/wan@aaaaaaaaaaaa", "forget a", "a ended"]),
    ])
    func cancelStopsAndDiscardsOnlyWhatNoOtherJobNeeds(_ table: CancelCase) {
        var queue = Queue(slots: 1)
        _ = queue.enqueue(Self.job("a", [Self.weights]))
        if table.otherNeedsIt { _ = queue.enqueue(Self.job("b", [Self.weights])) }
        #expect(Self.text(queue.cancel("a", discard: table.discard)) == table.actions)
        #expect(queue.isSettling(Self.blob(Self.weights)) == !table.otherNeedsIt)
        let ended = queue.transferEnded(Self.blob(Self.weights), table.otherNeedsIt ? Self.succeeded() : .stopped(kept: 0))
        let discarded = Self.text(ended).contains("discard org/wan@aaaaaaaaaaaa")
        #expect(discarded == (table.discard && !table.otherNeedsIt))
        if table.otherNeedsIt { #expect(Self.text(ended).contains("finish b")) }
    }

    @Test func aBlobBeingDiscardedStartsAgainOnlyOnceItsDataIsGone() {
        var queue = Queue(slots: 1)
        _ = queue.enqueue(Self.job("a", [Self.weights]))
        _ = queue.cancel("a", discard: true)
        _ = queue.enqueue(Self.job("a", [Self.weights]))
        #expect(queue.transfers[Self.blob(Self.weights)]?.stopping == true, "the stopped transfer holds the blob until it ends")
        // The new job needs the blob again: its partial data stays after all.
        #expect(Self.text(queue.transferEnded(Self.blob(Self.weights), .stopped(kept: 0))) == ["start model.safetensors (org/wan@aaaaaaaaaaaa) for a"])

        var idle = Queue(slots: 1)
        _ = idle.enqueue(Self.job("x", repo: "org/x", [Self.vae]))
        _ = idle.enqueue(Self.job("a", [Self.weights]))  // queued behind x, nothing in flight
        #expect(Self.text(idle.cancel("a", discard: true)) == ["forget a", "a ended", "discard org/wan@aaaaaaaaaaaa"])
        _ = idle.enqueue(Self.job("a", [Self.weights]))
        #expect(Self.text(idle.transferEnded(Self.blob(Self.vae, repo: "org/x"), Self.succeeded())).filter { $0.hasPrefix("start") }.isEmpty)
        #expect(Self.text(idle.discarded(Self.blob(Self.weights))) == ["start model.safetensors (org/wan@aaaaaaaaaaaa) for a"])
    }

    @Test func pauseStopsOnlyTransfersNobodyElseWaitsForKeepingTheirBytesAndResumeGoesOn() {
        var queue = Queue(slots: 2)
        _ = queue.enqueue(Self.job("a", [Self.config, Self.weights]))
        _ = queue.enqueue(Self.job("b", [Self.config]))
        #expect(Self.text(queue.pause("a")) == ["stop org/wan@aaaaaaaaaaaa", "persist a"])
        #expect(queue.jobs["a"]?.paused == true)
        #expect(queue.transfers[Self.blob(Self.config)]?.waitingModels == ["b"], "the shared transfer goes on for b")
        #expect(queue.jobs["a"]?.pending.map(\.path) == ["config.json"])
        #expect(queue.isWaiting("a"), "its own transfer counts for it until it has ended")

        #expect(Self.text(queue.transferEnded(Self.blob(Self.weights), .stopped(kept: 40))).isEmpty, "paused: nothing starts")
        #expect(queue.jobs["a"]?.bytesSettled == 40, "the bytes written stay done")
        #expect(queue.jobs["a"]?.remaining(Self.weights) == 60)

        #expect(Self.text(queue.resume("a", priority: .high)) == ["persist a", "start model.safetensors (org/wan@aaaaaaaaaaaa) for a"])
        #expect(queue.jobs["a"]?.priority == .high)
        #expect(queue.transfers[Self.blob(Self.config)]?.waitingModels == ["a", "b"], "it joined the config's transfer again")
        #expect(queue.awaited(by: "a").map(\.remaining) == [60, 10])
        _ = queue.transferEnded(Self.blob(Self.weights), Self.succeeded(60))
        #expect(queue.jobs["a"]?.bytesSettled == 100)
    }

    // MARK: - Failures

    @Test func aFailedTransferFailsEveryJobWaitingForIt() {
        var queue = Queue(slots: 2)
        _ = queue.enqueue(Self.job("a", [Self.config, Self.weights]))
        _ = queue.enqueue(Self.job("b", [Self.config]))
        let ended = queue.transferEnded(Self.blob(Self.config), .failed(Failure(description: "404")))
        #expect(Self.text(ended) == ["stop org/wan@aaaaaaaaaaaa", "a failed: 404", "forget a", "b failed: 404", "forget b"])
        #expect(queue.order.isEmpty, "failed jobs are not queued")
        #expect(queue.jobs["a"]?.failure?.description == "404", "but stay to tell why")
    }

    /// A pull that replaces a failed job before the failed job's other transfer has ended
    /// (a client that pulls again on `download.failed`) gets each file once.
    @Test func aJobReplacingAFailedOneWhileItsTransferEndsCountsEachFileOnce() {
        var queue = Queue(slots: 2)
        _ = queue.enqueue(Self.job("a", [Self.config, Self.weights]))
        _ = queue.transferEnded(Self.blob(Self.config), .failed(Failure(description: "503s spent")))
        _ = queue.enqueue(Self.job("a", [Self.config, Self.weights]))
        _ = queue.transferEnded(Self.blob(Self.weights), .stopped(kept: 40))
        let pending = queue.jobs["a"]?.pending.map(\.path) ?? []
        let waiting = queue.transfers.values.flatMap { $0.waiters.values.flatMap { $0.map(\.path) } }
        #expect((pending + waiting).sorted() == [Self.config.path, Self.weights.path], "each file once: \(pending) \(waiting)")
    }

    @Test func aFullDiskPausesEveryWaiterWithTheErrorToldOnce() {
        var queue = Queue(slots: 2)
        _ = queue.enqueue(Self.job("a", [Self.config, Self.weights]))
        let full = Failure(description: "disk full")
        let first = queue.transferEnded(Self.blob(Self.config), .noSpace(full))
        #expect(Self.text(first) == ["a paused: disk full", "stop org/wan@aaaaaaaaaaaa", "persist a"])
        #expect(queue.jobs["a"]?.pauseError == full)
        #expect(!Self.text(queue.transferEnded(Self.blob(Self.weights), .noSpace(full))).contains("a paused: disk full"))
        #expect(Self.text(queue.resume("a", priority: nil)).filter { $0.hasPrefix("start") }.count == 2)
        #expect(queue.jobs["a"]?.pauseError == nil)
    }

    // MARK: - The daemon and the catalog

    @Test func theDaemonsStopStopsEverythingAndNothingEndsAsAFailure() {
        var queue = Queue(slots: 2)
        _ = queue.enqueue(Self.job("a", [Self.config, Self.weights]))
        #expect(Self.text(queue.stop()) == ["stop org/wan@aaaaaaaaaaaa", "stop org/wan@cccccccccccc"])
        #expect(queue.transferEnded(Self.blob(Self.config), .failed(Failure(description: "pool closed"))).isEmpty)
        #expect(queue.jobs["a"]?.failure == nil)
        #expect(queue.enqueue(Self.job("b", repo: "org/b", [Self.vae])).allSatisfy { if case .start = $0 { false } else { true } })
    }

    @Test func aReloadEndsJobsOfModelsGoneAndPlansChangedEntriesAgain() {
        var queue = Queue(slots: 3)
        _ = queue.enqueue(Self.job("gone", repo: "org/gone", [Self.vae]))
        _ = queue.enqueue(Self.job("moved", [Self.weights], priority: .high))
        _ = queue.enqueue(Self.job("same", [Self.config]))
        var moved = CatalogModel(id: "moved", repo: "org/wan")
        moved.revision = "v2"
        let actions = queue.catalogChanged(to: [moved, CatalogModel(id: "same", repo: "org/wan")], slots: 3)
        #expect(Self.text(actions) == [
            "stop org/wan@aaaaaaaaaaaa", "forget moved", "moved ended", "pull moved again (high)",
            "stop org/gone@bbbbbbbbbbbb", "forget gone", "gone ended",
        ])
        #expect(queue.jobs.keys.sorted() == ["same"])
        #expect(!actions.contains { if case .discard = $0 { true } else { false } }, "partial data stays")
    }

    @Test func firstPutsAJobAheadOfEveryOther() {
        var queue = Queue(slots: 1)
        _ = queue.enqueue(Self.job("a", repo: "org/a", [Self.weights], priority: .critical))
        _ = queue.enqueue(Self.job("b", repo: "org/b", [Self.weights]))
        _ = queue.reprioritize("b", level: nil, first: true)
        #expect(queue.order.map(\.id) == ["b", "a"])
        #expect(queue.jobs["b"]?.priority == .critical)
        _ = queue.reprioritize("b", level: .low, first: false)
        #expect(queue.order.map(\.id) == ["a", "b"])
    }
}
