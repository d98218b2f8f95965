import Foundation
import ModeldCore
import ModeldProtocol
import ModeldTestSupport
import Testing

/// Nodes behind a site mirror: the shipped nginx configuration (`Deploy/mirror/nginx/`)
/// run for real in front of the test hub, each daemon's `endpoint` the mirror and its
/// `mirrors` the hub itself (Docs/fleet.md).
@Suite(.timeLimit(.minutes(10))) struct NginxMirrorTests {
    static let model = "tiny-video"

    /// A daemon on its own store whose endpoint is `mirror` and whose fallback is `hub`.
    /// The stall timeout is the default's: a node waiting for a slice another node's
    /// request is fetching gets its first byte only once that slice is in the cache.
    static func daemon(mirror: NginxMirror, hub: TestHub, token: String? = nil) throws -> DaemonHarness {
        let daemon = try DaemonHarness(config: "")
        try daemon.directory.write("modeld.toml", """
            [daemon]
            socket_mode = "0666"
            store_dir = "\(daemon.directory.file("cache"))"

            [hub]
            mirrors = ["\(hub.endpoint)"]

            [downloads]
            backoff_initial = "100ms"
            backoff_max = "1s"

            [disk]
            reserve = "0"

            [[model]]
            id = "\(model)"
            repo = "\(DownloadTests.repoID)"
            """)
        var environment = ["HF_ENDPOINT": mirror.endpoint]
        environment["HF_TOKEN"] = token
        try daemon.startReady(environment: environment)
        try daemon.waitForState(model, .missing)
        return daemon
    }

    /// What the origin (hub and CDN) sent of the repo's files, listings and redirects left out.
    static func fileBytes(_ hub: TestHub, of repo: TestRepo, since sequence: Int = 0) -> Int {
        let files = Set(repo.commits.values.flatMap(\.files).map(\.path))
        return hub.log.requests.filter { $0.sequence >= sequence && $0.kind == .download && files.contains($0.file ?? "") }
            .reduce(0) { $0 + $1.bodyBytesSent }
    }

    static func modelBytes(_ repo: TestRepo) -> Int {
        repo.commit(for: "main")?.files.reduce(0) { $0 + $1.size } ?? 0
    }

    /// The mirror in front of `hub`, whose CDN sends each body at `cdnBytesPerSecond`, and
    /// three nodes that have each been asked to pull the model, all at once.
    static func threeNodesPulling(from hub: TestHub, cdnBytesPerSecond: Int) throws -> (NginxMirror, [DaemonHarness]) {
        hub.faults.enqueue(.throttle(bytesPerSecond: cdnBytesPerSecond), for: .listener(.cdn), times: 1000)
        let mirror = try NginxMirror(hub: hub)
        let nodes = try (0..<3).map { _ in try daemon(mirror: mirror, hub: hub) }
        for node in nodes { #expect(try node.request("pull", ["model": .string(model)]).ok) }
        return (mirror, nodes)
    }

    @Test func threeNodesPullingOneModelAtOnceGetEachBlobFromTheOriginOnce() throws {
        let repo = DownloadTests.repo(bigSize: 32 << 20)
        let hub = try TestHub(repos: [repo])
        defer { hub.shutdown() }
        // Slow enough that the three pulls overlap, fast enough that a slice arrives well
        // within the nodes' stall timeout.
        let (mirror, nodes) = try Self.threeNodesPulling(from: hub, cdnBytesPerSecond: 8_000_000)
        // Held to the end: a mirror released early is killed, and the nodes go to the hub.
        for node in nodes { try node.waitForState(Self.model, .available, timeout: .seconds(180)) }

        let sent = Self.fileBytes(hub, of: repo)
        let size = Self.modelBytes(repo)
        #expect(sent <= size * 12 / 10, "the origin sent \(sent) bytes for a model of \(size):\n\(hub.log.requests.map(\.description).joined(separator: "\n"))\n\(mirror.errorLog.suffix(4000))")
        print("nginx mirror: the origin sent \(sent) bytes of files for three nodes pulling a model of \(size) bytes")
        #expect(hub.log.requests(on: .cdn).allSatisfy { $0.authorization == nil })
    }

    @Test func aMirrorThatDiesMidWayLeavesTheNodesToTheHubWithNothingFetchedTwice() throws {
        let repo = DownloadTests.repo(bigSize: 48 << 20)
        let hub = try TestHub(repos: [repo])
        defer { hub.shutdown() }
        // Slow enough that the mirror dies with much of the model still to come.
        let (mirror, nodes) = try Self.threeNodesPulling(from: hub, cdnBytesPerSecond: 2_000_000)
        for node in nodes { try DownloadResilienceTests.waitForBytes(node, model: Self.model, atLeast: 8 << 20, timeout: .seconds(120)) }

        mirror.kill()
        let killedAt = hub.log.requests.count
        // What each node has written: it may still count a little of what was on its way.
        let done = try nodes.map { try DownloadResilienceTests.download($0, model: Self.model)?.bytesDone ?? 0 }
        for node in nodes { try node.waitForState(Self.model, .available, timeout: .seconds(180)) }

        let size = Self.modelBytes(repo)
        let missing = done.reduce(0) { $0 + size - Int($1) }
        let afterwards = Self.fileBytes(hub, of: repo, since: killedAt)
        // A connection cut mid-piece loses at most what its journal had not recorded yet:
        // about a megabyte for each of the four connections of each node.
        #expect(afterwards <= missing + 3 * 4 * (1 << 20), "the hub sent \(afterwards) bytes after the mirror died; the nodes lacked \(missing)")
        #expect(afterwards < 3 * size, "not a whole second copy")
        print("nginx mirror killed: the nodes lacked \(missing) bytes, the hub then sent \(afterwards)")
    }

    @Test func aGatedFileComesFromTheCacheOnlyToACallerTheHubLetsIn() throws {
        var repo = DownloadTests.repo(bigSize: 8 << 20)
        repo.gated = true
        let hub = try TestHub(repos: [repo])
        defer { hub.shutdown() }
        let mirror = try NginxMirror(hub: hub)
        let allowed = try Self.daemon(mirror: mirror, hub: hub, token: TestHub.token)
        #expect(try allowed.request("pull", ["model": .string(Self.model)]).ok)
        try allowed.waitForState(Self.model, .available, timeout: .seconds(60))
        let cached = Self.fileBytes(hub, of: repo)

        // The blob is in the cache now; without a token, or with a wrong one, the hub
        // refuses the resolve and nginx never reaches it.
        let url = mirror.endpoint + "/\(DownloadTests.repoID)/resolve/main/\(DownloadTests.big)"
        for (header, status) in [(nil, "401"), ("Authorization: Bearer hf_wrong", "401"), ("Authorization: Bearer \(TestHub.token)", "200")] {
            let answer = try ChildProcess.run(
                "/usr/bin/curl", ["-sS", "--noproxy", "*", "-o", mirror.directory.file("out"), "-w", "%{http_code}"]
                    + (header.map { ["-H", $0] } ?? []) + [url], in: mirror.directory.path)
            #expect(answer.output == status, "\(header ?? "no token"): \(answer.output) \(answer.error)")
        }
        #expect(Self.fileBytes(hub, of: repo) == cached, "the caller with the token got the bytes from the cache")
        let refusedNode = try Self.daemon(mirror: mirror, hub: hub)
        #expect(try refusedNode.request("pull", ["model": .string(Self.model)]).ok)
        let failed = try refusedNode.waitForState(Self.model, .failed, timeout: .seconds(60))
        #expect(failed.download?.lastError?.code == .gated, "\(String(describing: failed.download?.lastError))")
    }

    @Test func theHubsRetryAfterReachesTheNodesThroughTheMirror() throws {
        let hub = try TestHub(repos: [DownloadTests.repo(bigSize: 8 << 20)])
        defer { hub.shutdown() }
        let mirror = try NginxMirror(hub: hub)
        hub.faults.enqueue(.status(429, retryAfter: 1), for: .resolve(DownloadTests.big), times: 1)
        let seen = try ChildProcess.run(
            "/usr/bin/curl", ["-sS", "--noproxy", "*", "-o", "/dev/null", "-D", "-",
                mirror.endpoint + "/\(DownloadTests.repoID)/resolve/main/\(DownloadTests.big)"], in: mirror.directory.path)
        #expect(seen.output.hasPrefix("HTTP/1.1 429") && seen.output.lowercased().contains("retry-after: 1"), "\(seen.output)")

        hub.faults.enqueue(.status(429, retryAfter: 1), for: .resolve(DownloadTests.big), times: 2)
        let node = try Self.daemon(mirror: mirror, hub: hub)
        let events = try DownloadTests.pull(node)
        #expect(DownloadTests.named("download.retry", in: events).contains { $0["error"]?.string?.contains("429") == true })
        try node.waitForState(Self.model, .available, timeout: .seconds(60))
    }
}
