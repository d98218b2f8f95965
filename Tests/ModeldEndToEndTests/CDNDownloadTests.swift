import Foundation
import ModeldCore
import ModeldProtocol
import ModeldTestSupport
import Testing

/// Downloads the way a real CDN wants them: a file's pieces after the first go straight to
/// the CDN URL the hub's `/resolve` sent the first one to, without the token; a URL that
/// expired is signed again by the hub, and nothing already written is fetched twice; a
/// CDN that caps each connection gets more of them.
@Suite(.timeLimit(.minutes(10))) struct CDNDownloadTests {
    /// 40 MiB and its safetensors header: five 8 MiB pieces and a small sixth.
    static let repo = DownloadTests.repo(bigSize: 40 << 20)
    static let size = repo.main.file(DownloadTests.big)!.size

    /// Body bytes of the file's answers that carried it (a refusal's error page is not it).
    static func fileBytesServed(_ hub: TestHub) -> Int {
        requests(hub, .download).filter { (200..<300).contains($0.status) }.reduce(0) { $0 + $1.bodyBytesSent }
    }

    static func started(
        _ options: TestHub.Options = TestHub.Options(), connections: Int, most: Int? = nil, repo: TestRepo = repo
    ) throws -> (TestHub, DaemonHarness) {
        let hub = try TestHub(repos: [repo], options: options)
        let daemon = try DownloadTests.daemon(
            downloads: "connections_per_file = \(connections)\nmax_connections_per_file = \(most ?? connections)")
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint, "HF_TOKEN": TestHub.token])
        try daemon.waitForState("tiny-video", .missing)
        return (hub, daemon)
    }

    static func requests(_ hub: TestHub, _ kind: RecordedRequest.Kind) -> [RecordedRequest] {
        hub.log.requests.filter { $0.kind == kind && $0.file == DownloadTests.big }
    }

    @Test func laterPiecesGoStraightToTheCDNWithoutTheToken() throws {
        let (hub, daemon) = try Self.started(connections: 1)
        defer { hub.shutdown() }
        _ = try DownloadTests.pull(daemon)
        try daemon.waitForState("tiny-video", .available)
        #expect(Self.requests(hub, .resolve).count == 1, "one trip through the hub for six pieces")
        let pieces = Self.requests(hub, .download)
        #expect(pieces.count == 6 && pieces.allSatisfy { $0.listener == .cdn && $0.authorization == nil }, "\(pieces)")
        #expect(Self.fileBytesServed(hub) == Self.size)
    }

    @Test func anExpiredURLIsSignedAgainAndNothingIsFetchedTwice() throws {
        var options = TestHub.Options()
        options.cdnURLLifetime = .seconds(1)
        let (hub, daemon) = try Self.started(options, connections: 1)
        defer { hub.shutdown() }
        // 40 MiB at 10 MB/s: the URL the first piece got expires under the later ones.
        hub.faults.enqueue(.throttle(bytesPerSecond: 10_000_000), for: .download(DownloadTests.big), times: 100)
        let events = try DownloadTests.pull(daemon)
        #expect(DownloadTests.named("download.retry", in: events).isEmpty, "a stale URL is no failure: \(events)")
        try daemon.waitForState("tiny-video", .available)
        let refused = hub.log.requests.filter { $0.listener == .cdn && $0.status == 403 }
        #expect(!refused.isEmpty, "the CDN refused an expired URL at least once")
        #expect(Self.requests(hub, .resolve).count == 1 + refused.count, "each refusal sent back to the hub once")
        #expect(Self.fileBytesServed(hub) == Self.size, "no byte came twice")
    }

    @Test func aCDNThatCapsEachConnectionGetsMoreOfThem() throws {
        var options = TestHub.Options()
        options.bodyBytesPerSecond = 4_000_000
        // 96 MiB: twelve 8 MiB pieces, 12 s over two connections at 4 MB/s each.
        let (hub, daemon) = try Self.started(options, connections: 2, most: 6, repo: DownloadTests.repo(bigSize: 96 << 20))
        defer { hub.shutdown() }
        _ = try DownloadTests.pull(daemon)
        try daemon.waitForState("tiny-video", .available)
        let settled = daemon.process?.errorOutput.components(separatedBy: "\n").first { $0.contains("settled on") } ?? ""
        let count = settled.firstMatch(of: /settled on (\d+) connections/).flatMap { Int($0.1) } ?? 0
        #expect(count > 2, "more connections than it started with: \(settled)")
    }
}
