import Foundation
import ModeldCore
import ModeldProtocol
import ModeldTestSupport
import Testing

/// Downloads of catalog entries that share a repository, and what a reload or a pause does
/// to work under way: one transfer per blob, whatever models need it.
@Suite(.timeLimit(.minutes(10))) struct SharedDownloadTests {
    static let repoID = "org/shared"
    static let weights = "model.bin"
    static let vae = "vae.bin"
    static let repo = TestRepo(repoID, files: [
        TestFile("config.json", text: "{}"), TestFile(weights, size: 24 << 20, seed: 3), TestFile(vae, size: 8 << 20, seed: 4),
    ])

    /// Two ways two catalog entries come to need the same blobs.
    enum Sharing: String, CaseIterable, Sendable {
        /// `full` takes every file, `weights` only the config and the weights.
        case includeFilter
        /// The same repository and revision under two ids.
        case sameEntryTwice

        var secondEntry: String {
            switch self {
            case .includeFilter: #"include = ["config.json", "model.bin"]"#
            case .sameEntryTwice: ""
            }
        }
    }

    /// `full` and `weights` on one repository; `models` replaces both when given.
    static func daemon(hub: TestHub, sharing: Sharing = .includeFilter, models: String? = nil) throws -> DaemonHarness {
        let daemon = try DaemonHarness(config: "")
        try daemon.directory.write("modeld.toml", config(daemon, models: models ?? """
            [[model]]
            id = "full"
            repo = "\(repoID)"

            [[model]]
            id = "weights"
            repo = "\(repoID)"
            \(sharing.secondEntry)
            """))
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        return daemon
    }

    static func config(_ daemon: DaemonHarness, models: String) -> String {
        """
        [daemon]
        socket_mode = "0666"
        store_dir = "\(daemon.directory.file("cache"))"

        [downloads]
        concurrent_files = 4
        # One connection per file: the hub's throttle is the file's rate.
        connections_per_file = 1
        backoff_initial = "100ms"
        backoff_max = "200ms"

        [disk]
        reserve = "0"

        \(models)
        """
    }

    /// Where the daemon keeps the bytes of `file` before they are verified.
    static func partial(_ daemon: DaemonHarness, _ file: String) throws -> String {
        let content = try #require(repo.file(file)).content
        let layout = StoreLayout(root: daemon.directory.file("cache"))
        return layout.partial(repoID, .sha256(TestDigests.sha256(content)))
    }

    @Test(arguments: Sharing.allCases)
    func twoEntriesOnOneRepoFetchEachSharedBlobOnce(sharing: Sharing) throws {
        let hub = try TestHub(repos: [Self.repo])
        defer { hub.shutdown() }
        hub.faults.enqueue(.throttle(bytesPerSecond: 8_000_000), for: .download(Self.weights), times: 100)
        let daemon = try Self.daemon(hub: hub, sharing: sharing)
        try daemon.waitForState("full", .missing)
        try daemon.waitForState("weights", .missing)
        #expect(try daemon.request("pull", ["model": .string("full")]).ok)
        try DownloadResilienceTests.waitForBytes(daemon, model: "full", atLeast: 1)
        #expect(try daemon.request("pull", ["model": .string("weights")]).ok)
        // The second model waits for the transfer already under way, and counts its bytes.
        try DownloadResilienceTests.waitForBytes(daemon, model: "weights", atLeast: 1 << 20)

        try daemon.waitForState("full", .available, timeout: .seconds(60))
        try daemon.waitForState("weights", .available, timeout: .seconds(60))
        #expect(hub.log.bodyBytesSent(file: Self.weights, in: Self.repoID) == 24 << 20, "the shared weights came once")
        #expect(hub.log.bodyBytesSent(file: "config.json", in: Self.repoID) == 2)
        #expect(hub.log.bodyBytesSent(file: Self.vae, in: Self.repoID) == 8 << 20)
    }

    /// The weights' answers are held after their first MiB until the cancel has been
    /// checked, so that transfer is under way then on any machine.
    @Test func cancelDiscardOfOneLeavesTheOthersDownloadAndItsPartial() throws {
        let hub = try TestHub(repos: [Self.repo])
        defer { hub.shutdown() }
        let weightsGate = HubGate()
        defer { weightsGate.open() }
        hub.faults.enqueue(.hold(afterBytes: 1 << 20, until: weightsGate), for: .download(Self.weights), times: 100)
        hub.faults.enqueue(.throttle(bytesPerSecond: 1_000_000), for: .download(Self.vae), times: 100)
        let daemon = try Self.daemon(hub: hub)
        try daemon.waitForState("full", .missing)
        try daemon.waitForState("weights", .missing)
        #expect(try daemon.request("pull", ["model": .string("full")]).ok)
        #expect(try daemon.request("pull", ["model": .string("weights")]).ok)
        try DownloadResilienceTests.waitForBytes(daemon, model: "weights", atLeast: 1)
        try DownloadResilienceTests.waitForBytes(daemon, model: "full", atLeast: 1 << 20)
        let weightsPartial = try Self.partial(daemon, Self.weights)
        let vaePartial = try Self.partial(daemon, Self.vae)
        #expect(FileManager.default.fileExists(atPath: vaePartial))

        let cancel = try daemon.modelctl(["--socket", daemon.socketPath, "cancel", "full", "--discard"])
        #expect(cancel.status == 0, "\(cancel.output)\(cancel.error)")
        #expect(!FileManager.default.fileExists(atPath: vaePartial), "only full needed the VAE: its partial data is gone")
        #expect(FileManager.default.fileExists(atPath: weightsPartial), "weights still needs its partial")
        #expect(try daemon.waitForState("full", .missing).download == nil)
        let still = try #require(try DownloadResilienceTests.download(daemon, model: "weights"))
        #expect(!still.paused && still.bytesDone > 0)

        weightsGate.open()
        try daemon.waitForState("weights", .available, timeout: .seconds(60))
        #expect(hub.log.bodyBytesSent(file: Self.weights, in: Self.repoID) == 24 << 20, "the weights' transfer was never cut off")
    }

    @Test func aReloadRemovingAModelStopsItsDownloadAndKeepsItsPartial() throws {
        let hub = try TestHub(repos: [Self.repo])
        defer { hub.shutdown() }
        hub.faults.enqueue(.throttle(bytesPerSecond: 4_000_000), for: .download(Self.weights), times: 100)
        let onlyWeights = """
            [[model]]
            id = "weights"
            repo = "\(Self.repoID)"
            include = ["model.bin"]
            """
        let daemon = try Self.daemon(hub: hub, models: onlyWeights + "\n\n[[model]]\nid = \"other\"\nrepo = \"org/other\"\n")
        try daemon.waitForState("weights", .missing)
        #expect(try daemon.request("pull", ["model": .string("weights")]).ok)
        try DownloadResilienceTests.waitForBytes(daemon, model: "weights", atLeast: 1)

        try daemon.directory.write("modeld.toml", Self.config(daemon, models: "[[model]]\nid = \"other\"\nrepo = \"org/other\"\n"))
        #expect(try daemon.request("reload").ok)
        #expect(try daemon.request("status", ["model": .string("weights")]).error?.code == .unknownModel)
        // Stopped, not finished: no byte for a second, and short of the whole file (which
        // takes six seconds at this rate).
        var last = -1
        try waitUntil("the weights' transfer to stop", timeout: .seconds(20)) {
            let sent = hub.log.bodyBytesSent(file: Self.weights, in: Self.repoID)
            defer { last = sent }
            if sent != last { Thread.sleep(forTimeInterval: 1) }
            return sent == last
        }
        #expect(last < 24 << 20, "\(last) bytes sent")
        #expect(FileManager.default.fileExists(atPath: try Self.partial(daemon, Self.weights)), "the partial data stays")
    }

    @Test func aReloadChangingTheRevisionPlansTheDownloadAgain() throws {
        var repo = Self.repo
        let v2 = repo.commit([TestFile("config.json", text: #"{"v": 2}"#), TestFile(Self.weights, size: 24 << 20, seed: 5)], to: "v2")
        let hub = try TestHub(repos: [repo])
        defer { hub.shutdown() }
        hub.faults.enqueue(.throttle(bytesPerSecond: 4_000_000), for: .download(Self.weights), times: 100)
        let entry = { (revision: String) in "[[model]]\nid = \"weights\"\nrepo = \"\(Self.repoID)\"\nrevision = \"\(revision)\"\n" }
        let daemon = try Self.daemon(hub: hub, models: entry("main"))
        try daemon.waitForState("weights", .missing)
        #expect(try daemon.request("pull", ["model": .string("weights")]).ok)
        try DownloadResilienceTests.waitForBytes(daemon, model: "weights", atLeast: 1)

        try daemon.directory.write("modeld.toml", Self.config(daemon, models: entry("v2")))
        #expect(try daemon.request("reload").ok)
        // Queued again by itself, for the new revision, and only that one is linked.
        var path = ""
        try waitUntil("the download of v2", timeout: .seconds(60)) {
            let status = try daemon.request("status", ["model": .string("weights")]).decode(StatusResult.self).models.first
            path = status?.path ?? ""
            return status?.commit == v2.id && status?.state == .available
        }
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: path)
        #expect(link.hasSuffix(v2.id), "\(link)")
        #expect(hub.log.bodyBytesSent(file: Self.weights, in: Self.repoID) < 2 * (24 << 20), "main's transfer stopped half way")
    }

    @Test func aPausedDownloadSaysPausedInStatusAndEvents() throws {
        let hub = try TestHub(repos: [Self.repo])
        defer { hub.shutdown() }
        hub.faults.enqueue(.throttle(bytesPerSecond: 4_000_000), for: .download(Self.weights), times: 100)
        let daemon = try Self.daemon(hub: hub)
        try daemon.waitForState("weights", .missing)
        let events = try daemon.client(timeout: .seconds(30))
        #expect(try events.request("subscribe", ["topics": .array([.string("model")]), "models": .array([.string("weights")])]).ok)
        #expect(try daemon.request("pull", ["model": .string("weights")]).ok)
        try DownloadResilienceTests.waitForBytes(daemon, model: "weights", atLeast: 1)
        #expect(try daemon.request("pause", ["model": .string("weights")]).ok)

        var states: [String] = []
        while states.last != "paused" {
            let seen = try DownloadTests.read(until: "model.state", from: events)
            states += DownloadTests.named("model.state", in: seen).compactMap { $0["to"]?.string }
        }
        #expect(states == ["queued", "downloading", "paused"], "\(states)")
        let status = try daemon.waitForState("weights", .paused)
        #expect(status.download?.paused == true)
        #expect((status.download?.bytesDone ?? 0) > 0, "what was written counts while paused")
        #expect(try daemon.request("resume", ["model": .string("weights")]).ok)
        try daemon.waitForState("weights", .available, timeout: .seconds(60))
    }
}
