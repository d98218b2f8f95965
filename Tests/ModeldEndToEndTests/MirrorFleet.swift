import Foundation
import ModeldCore
import ModeldProtocol
import ModeldTestSupport
import Testing

/// Nodes behind a site mirror, as Docs/fleet.md sets them up: each daemon on its own
/// store, its `endpoint` the mirror and its `mirrors` the hub itself. Shared by the
/// suites of each mirror (nginx, olah).
enum MirrorFleet {
    static let model = "tiny-video"

    /// A daemon on its own store whose endpoint is `mirror` and whose fallback is `hub`.
    /// The stall timeout is the default's: a node waiting for a piece another node's
    /// request is fetching gets its first byte only once the mirror has it.
    static func node(mirror: String, hub: TestHub, token: String? = nil, environment extra: [String: String] = [:]) throws -> DaemonHarness {
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
        var environment = extra.merging(["HF_ENDPOINT": mirror]) { _, endpoint in endpoint }
        environment["HF_TOKEN"] = token
        try daemon.startReady(environment: environment)
        try daemon.waitForState(model, .missing)
        return daemon
    }

    /// Three nodes behind `mirror`, each asked to pull the model, all at once.
    static func threeNodesPulling(through mirror: String, hub: TestHub) throws -> [DaemonHarness] {
        let nodes = try (0..<3).map { _ in try node(mirror: mirror, hub: hub) }
        for node in nodes { #expect(try node.request("pull", ["model": .string(model)]).ok) }
        return nodes
    }

    /// The fleet's model in a gated repo.
    static var gatedRepo: TestRepo {
        var repo = DownloadTests.repo(bigSize: 8 << 20)
        repo.gated = true
        return repo
    }

    /// A node with the token fills `mirror`'s cache with ``gatedRepo``; then the blob
    /// reaches a caller with the token from the cache, never one without a valid token,
    /// and a node without one fails with `gated`.
    static func expectGatedFileFromTheCacheOnlyToCallersTheHubLetsIn(mirror: String, scratch: TemporaryDirectory, hub: TestHub) throws {
        let allowed = try node(mirror: mirror, hub: hub, token: TestHub.token)
        #expect(try allowed.request("pull", ["model": .string(model)]).ok)
        try allowed.waitForState(model, .available, timeout: .seconds(50))
        let cached = fileBytes(hub, of: gatedRepo)

        let url = mirror + "/\(DownloadTests.repoID)/resolve/main/\(DownloadTests.big)"
        for (header, status) in [(nil, "401"), ("Authorization: Bearer hf_wrong", "401"), ("Authorization: Bearer \(TestHub.token)", "200")] {
            let answer = try ChildProcess.run(
                "/usr/bin/curl", ["-sS", "--noproxy", "*", "-o", scratch.file("out"), "-w", "%{http_code}"]
                    + (header.map { ["-H", $0] } ?? []) + [url], in: scratch.path)
            #expect(answer.output == status, "\(header ?? "no token"): \(answer.output) \(answer.error)")
        }
        #expect(fileBytes(hub, of: gatedRepo) == cached, "the caller with the token got the bytes from the cache")
        #expect(hub.log.requests(on: .cdn).allSatisfy { $0.authorization == nil }, "the token never reaches the CDN")
        let refusedNode = try node(mirror: mirror, hub: hub)
        #expect(try refusedNode.request("pull", ["model": .string(model)]).ok)
        let failed = try refusedNode.waitForState(model, .failed, timeout: .seconds(50))
        #expect(failed.download?.lastError?.code == .gated, "\(String(describing: failed.download?.lastError))")
    }

    /// The hub answers the shard's resolve with a 429 and `Retry-After: 1`: a caller of
    /// `mirror` sees both, and a node retries (saying so) until the model is available.
    static func expectTheHubsRetryAfterToReachTheNodes(mirror: String, scratch: TemporaryDirectory, hub: TestHub) throws {
        hub.faults.enqueue(.status(429, retryAfter: 1), for: .resolve(DownloadTests.big), times: 1)
        let seen = try ChildProcess.run(
            "/usr/bin/curl", ["-sS", "--noproxy", "*", "-o", "/dev/null", "-D", "-",
                mirror + "/\(DownloadTests.repoID)/resolve/main/\(DownloadTests.big)"], in: scratch.path)
        #expect(seen.output.hasPrefix("HTTP/1.1 429") && seen.output.lowercased().contains("retry-after: 1"), "\(seen.output)")

        hub.faults.enqueue(.status(429, retryAfter: 1), for: .resolve(DownloadTests.big), times: 2)
        let node = try node(mirror: mirror, hub: hub)
        let events = try DownloadTests.pull(node)
        #expect(DownloadTests.named("download.retry", in: events).contains { $0["error"]?.string?.contains("429") == true })
        try node.waitForState(model, .available, timeout: .seconds(50))
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
}
