import Foundation
import ModeldCore
import ModeldProtocol
import ModeldTestSupport
import Testing

/// Nodes behind olah: the shipped `Deploy/mirror/olah/configs.toml` run for real (the
/// Makefile's `OLAH_VERSION`) in front of the test hub, each daemon's `endpoint` olah and
/// its `mirrors` the hub itself (Docs/fleet.md).
@Suite(.timeLimit(.minutes(10))) struct OlahMirrorTests {
    @Test func threeNodesPullingOneModelAtOnceGetEachBlobFromTheOriginOnce() throws {
        let repo = DownloadTests.repo(bigSize: 16 << 20)
        let hub = try TestHub(repos: [repo])
        defer { hub.shutdown() }
        // Slow enough that the three pulls overlap (about two seconds for the shard).
        hub.faults.enqueue(.throttle(bytesPerSecond: 8_000_000), for: .listener(.cdn), times: 1000)
        let mirror = try OlahMirror(hub: hub)
        let nodes = try MirrorFleet.threeNodesPulling(through: mirror.endpoint, hub: hub)
        for node in nodes { try node.waitForState(MirrorFleet.model, .available, timeout: .seconds(50)) }

        let sent = MirrorFleet.fileBytes(hub, of: repo)
        let size = MirrorFleet.modelBytes(repo)
        print("olah mirror: the origin sent \(sent) bytes of files for three nodes pulling a model of \(size) bytes")
        #expect(sent <= size * 12 / 10, "the origin sent \(sent) bytes for a model of \(size):\n\(hub.log.requests.map(\.description).joined(separator: "\n"))\n\(mirror.log.suffix(4000))")
        #expect(hub.log.requests(on: .cdn).allSatisfy { $0.authorization == nil })
    }

    @Test func aGatedFileComesFromTheCacheOnlyToACallerTheHubLetsIn() throws {
        let hub = try TestHub(repos: [MirrorFleet.gatedRepo])
        defer { hub.shutdown() }
        // olah asks the hub (a HEAD of the resolve URL, with the caller's token) before
        // serving any cached byte.
        let mirror = try OlahMirror(hub: hub)
        try MirrorFleet.expectGatedFileFromTheCacheOnlyToCallersTheHubLetsIn(mirror: mirror.endpoint, scratch: mirror.directory, hub: hub)
    }

    @Test func theHubsRetryAfterReachesTheNodesThroughTheMirror() throws {
        let hub = try TestHub(repos: [DownloadTests.repo(bigSize: 8 << 20)])
        defer { hub.shutdown() }
        // The hub's 429 meets olah's HEAD probe, and olah relays it with `Retry-After`.
        let mirror = try OlahMirror(hub: hub)
        try MirrorFleet.expectTheHubsRetryAfterToReachTheNodes(mirror: mirror.endpoint, scratch: mirror.directory, hub: hub)
    }
}
