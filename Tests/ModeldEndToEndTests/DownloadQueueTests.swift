import Foundation
import Glibc
import ModeldCore
import ModeldProtocol
import ModeldTestSupport
import Testing

/// The queue between models: priorities and pre-emption, cancel with and without the
/// partial data, mirrors after the endpoint fails, and the commands through socat.
@Suite(.timeLimit(.minutes(10))) struct DownloadQueueTests {
    static func repo(_ id: String, seed: UInt64) -> TestRepo {
        TestRepo(id, files: [TestFile("model.bin", size: 24 << 20, seed: seed)])
    }

    /// Two models, `low-one` (priority low) and `urgent`, one file at a time.
    static func daemon(hub: TestHub, mirrors: [String] = []) throws -> DaemonHarness {
        let daemon = try DaemonHarness(config: "")
        try daemon.directory.write("modeld.toml", """
            [daemon]
            socket_mode = "0666"
            store_dir = "\(daemon.directory.file("cache"))"

            [hub]
            mirrors = [\(mirrors.map { "\"\($0)\"" }.joined(separator: ", "))]

            [downloads]
            concurrent_files = 1
            backoff_initial = "100ms"
            backoff_max = "200ms"

            [disk]
            reserve = "0"

            [[model]]
            id = "low-one"
            repo = "org/low"
            priority = "low"

            [[model]]
            id = "urgent"
            repo = "org/urgent"
            """)
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        try daemon.waitForState("low-one", .missing)
        try daemon.waitForState("urgent", .missing)
        return daemon
    }

    @Test func aCriticalPullPausesALowOneThatGoesOnAfterwards() throws {
        let hub = try TestHub(repos: [Self.repo("org/low", seed: 1), Self.repo("org/urgent", seed: 2)])
        defer { hub.shutdown() }
        hub.faults.enqueue(.throttle(bytesPerSecond: 8_000_000), for: .download("model.bin", in: "org/low"), times: 100)
        let daemon = try Self.daemon(hub: hub)
        #expect(try daemon.request("pull", ["model": .string("low-one")]).ok)
        try daemon.waitForState("low-one", .downloading)
        let pull = try daemon.request("pull", ["model": .string("urgent"), "priority": .string("critical")])
        #expect(pull.ok)
        let paused = try daemon.waitForState("low-one", .paused)
        #expect(paused.reason?.contains("paused") == true)
        try daemon.waitForState("urgent", .available, timeout: .seconds(30))
        try daemon.waitForState("low-one", .available, timeout: .seconds(30))
        let sent = hub.log.bodyBytesSent(file: "model.bin", in: "org/low")
        #expect(sent < (24 << 20) + (24 << 20) / 10, "the paused model went on from where it stopped: \(sent)")
    }

    @Test func cancelKeepsOrDropsThePartialDataAndPriorityReorders() throws {
        let hub = try TestHub(repos: [Self.repo("org/low", seed: 1), Self.repo("org/urgent", seed: 2)])
        defer { hub.shutdown() }
        hub.faults.enqueue(.throttle(bytesPerSecond: 4_000_000), for: .download("model.bin"), times: 100)
        let daemon = try Self.daemon(hub: hub)
        let socket = daemon.socketPath
        #expect(try daemon.modelctl(["--socket", socket, "pull", "low-one", "--no-wait"]).status == 0)
        #expect(try daemon.modelctl(["--socket", socket, "pull", "urgent", "--no-wait"]).status == 0)
        // With socat, as a person would: urgent goes first.
        let socat = try ChildProcess.run(
            "/bin/sh", ["-c", #"echo '{"id":1,"cmd":"priority","model":"urgent","first":true}' | "$0" -t 5 - UNIX-CONNECT:"$1""#,
                try #require(ChildProcess.which("socat")), socket],
            in: daemon.directory.path)
        let order = try WireCodec.decoder.decode(Response.self, from: Data(socat.output.utf8)).decode(QueueResult.self)
        #expect(order.queue.map(\.model) == ["urgent", "low-one"])

        try DownloadResilienceTests.waitForBytes(daemon, model: "low-one", atLeast: 1)
        let blobs = daemon.directory.file("cache/models--org--low/blobs")
        // modeld's partial data is in its own place, under no name another tool reads.
        let partials = daemon.directory.file("cache/models--org--low/.modeld-partial")
        let keep = try daemon.modelctl(["--socket", socket, "cancel", "low-one"])
        #expect(keep.status == 0, "\(keep.output)\(keep.error)")
        #expect(try daemon.waitForState("low-one", .missing).download == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: partials).count == 1)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: blobs)) ?? []).allSatisfy { !$0.hasSuffix(".incomplete") })

        #expect(try daemon.modelctl(["--socket", socket, "pull", "low-one", "--no-wait"]).status == 0)
        let drop = try daemon.modelctl(["--socket", socket, "cancel", "low-one", "--discard"])
        #expect(drop.status == 0, "\(drop.output)\(drop.error)")
        try daemon.waitForState("low-one", .missing)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: partials))?.isEmpty ?? true)
        let nothing = try daemon.modelctl(["--socket", socket, "pause", "low-one"])
        #expect(nothing.status == 1 && nothing.error.contains("modelctl pull low-one"), "\(nothing.error)")
    }

    @Test func mirrorsAreTriedWhenTheEndpointFails() throws {
        let hub = try TestHub(repos: [Self.repo("org/urgent", seed: 2)])
        let mirror = try TestHub(repos: [Self.repo("org/urgent", seed: 2)])
        defer {
            hub.shutdown()
            mirror.shutdown()
        }
        hub.faults.enqueue(.status(503), for: .resolve("model.bin"), times: 100)
        let daemon = try Self.daemon(hub: hub, mirrors: [mirror.endpoint])
        #expect(try daemon.request("pull", ["model": .string("urgent")]).ok)
        try daemon.waitForState("urgent", .available, timeout: .seconds(30))
        #expect(mirror.log.bodyBytesSent(file: "model.bin") == 24 << 20)
    }
}
