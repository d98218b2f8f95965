import Foundation
import ModeldCore
import ModeldProtocol
import ModeldTestSupport
import Testing

/// Nodes behind a site mirror: the shipped nginx configuration (`Deploy/mirror/nginx/`)
/// run for real in front of the test hub, each daemon's `endpoint` the mirror and its
/// `mirrors` the hub itself (Docs/fleet.md).
@Suite(.timeLimit(.minutes(10))) struct NginxMirrorTests {
    /// The mirror in front of `hub`, whose CDN sends each body at `cdnBytesPerSecond`, and
    /// three nodes that have each been asked to pull the model, all at once.
    static func threeNodesPulling(from hub: TestHub, cdnBytesPerSecond: Int) throws -> (NginxMirror, [DaemonHarness]) {
        hub.faults.enqueue(.throttle(bytesPerSecond: cdnBytesPerSecond), for: .listener(.cdn), times: 1000)
        let mirror = try NginxMirror(hub: hub)
        return (mirror, try MirrorFleet.threeNodesPulling(through: mirror.endpoint, hub: hub))
    }

    @Test func threeNodesPullingOneModelAtOnceGetEachBlobFromTheOriginOnce() throws {
        let repo = DownloadTests.repo(bigSize: 32 << 20)
        let hub = try TestHub(repos: [repo])
        defer { hub.shutdown() }
        // Slow enough that the three pulls overlap, fast enough that a slice arrives well
        // within the nodes' stall timeout.
        let (mirror, nodes) = try Self.threeNodesPulling(from: hub, cdnBytesPerSecond: 8_000_000)
        // Held to the end: a mirror released early is killed, and the nodes go to the hub.
        for node in nodes { try node.waitForState(MirrorFleet.model, .available, timeout: .seconds(180)) }

        let sent = MirrorFleet.fileBytes(hub, of: repo)
        let size = MirrorFleet.modelBytes(repo)
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
        for node in nodes { try DownloadResilienceTests.waitForBytes(node, model: MirrorFleet.model, atLeast: 8 << 20, timeout: .seconds(120)) }

        mirror.kill()
        let killedAt = hub.log.requests.count
        // What each node has written: it may still count a little of what was on its way.
        let done = try nodes.map { try DownloadResilienceTests.download($0, model: MirrorFleet.model)?.bytesDone ?? 0 }
        for node in nodes { try node.waitForState(MirrorFleet.model, .available, timeout: .seconds(180)) }

        let size = MirrorFleet.modelBytes(repo)
        let missing = done.reduce(0) { $0 + size - Int($1) }
        let afterwards = MirrorFleet.fileBytes(hub, of: repo, since: killedAt)
        // A connection cut mid-piece loses at most what its journal had not recorded yet:
        // about a megabyte for each of the four connections of each node.
        #expect(afterwards <= missing + 3 * 4 * (1 << 20), "the hub sent \(afterwards) bytes after the mirror died; the nodes lacked \(missing)")
        #expect(afterwards < 3 * size, "not a whole second copy")
        print("nginx mirror killed: the nodes lacked \(missing) bytes, the hub then sent \(afterwards)")
    }

    /// The HTTPS mirror in front of `hub`, and a node that trusts its certificate.
    static func trustingNode(behindHTTPSMirrorOf hub: TestHub) throws -> (NginxMirror, DaemonHarness) {
        let mirror = try NginxMirror(hub: hub, tls: true)
        let node = try MirrorFleet.node(mirror: mirror.endpoint, hub: hub, environment: ["CURL_CA_BUNDLE": try #require(mirror.certificate)])
        return (mirror, node)
    }

    /// The shipped file's HTTPS lines: a node that trusts the site's CA (`CURL_CA_BUNDLE`)
    /// speaks HTTP/2 to the mirror and keeps a connection warm from one request to the next.
    @Test func overHTTPSANodeSpeaksHTTP2AndKeepsItsConnectionsWarm() throws {
        let repo = DownloadTests.repo(bigSize: 8 << 20)
        let hub = try TestHub(repos: [repo])
        defer { hub.shutdown() }
        let (mirror, node) = try Self.trustingNode(behindHTTPSMirrorOf: hub)
        #expect(try node.request("pull", ["model": .string(MirrorFleet.model)]).ok)
        try node.waitForState(MirrorFleet.model, .available, timeout: .seconds(60))

        let log = mirror.accessLog
        let files = log.filter { $0.contains("/resolve/") }
        #expect(files.count >= repo.main.files.count, "every file came through the mirror:\n\(log.joined(separator: "\n"))")
        #expect(log.allSatisfy { $0.hasPrefix("HTTP/2.0 ") }, "\(log.joined(separator: "\n"))")
        // `PROTOCOL CONNECTION REQUESTS-ON-IT STATUS URI`: the files each connection carried.
        let filesByConnection = Dictionary(grouping: files) { $0.split(separator: " ")[1] }
            .mapValues { Set($0.map { $0.split(separator: "/").last ?? "" }) }
        #expect(filesByConnection.values.contains { $0.count > 1 }, "a connection carried more than one file:\n\(log.joined(separator: "\n"))")
    }

    /// A rate limit holds transfers back from inside libcurl's write callback, which over
    /// HTTP/2 has had bugs of its own in libcurl: a limited pull through the HTTPS mirror
    /// still ends, at about the limit.
    @Test func aLimitedPullOverHTTP2Ends() throws {
        let repo = DownloadTests.repo(bigSize: 8 << 20)
        let hub = try TestHub(repos: [repo])
        defer { hub.shutdown() }
        let (mirror, node) = try Self.trustingNode(behindHTTPSMirrorOf: hub)
        let limit = 4_000_000
        #expect(try node.request("limit", ["bytes_per_s": .number(Double(limit))]).ok)
        let begun = ContinuousClock.now
        #expect(try node.request("pull", ["model": .string(MirrorFleet.model)]).ok)
        try node.waitForState(MirrorFleet.model, .available, timeout: .seconds(60))
        let seconds = (ContinuousClock.now - begun).inSeconds
        #expect(mirror.accessLog.allSatisfy { $0.hasPrefix("HTTP/2.0 ") })
        // Not a timing goal: a limit that did nothing would take a fraction of a second.
        #expect(seconds >= Double(8 << 20) / Double(limit) * 0.5, "\(seconds) s for 8 MiB at \(limit) B/s")
    }

    /// A node that does not trust the mirror's certificate says why and what fixes it (once,
    /// not for each file), and gets its files from the next server in its order (the hub) at once.
    @Test func aNodeThatDoesNotTrustTheMirrorSaysWhyAndFallsBackToTheHub() throws {
        let repo = DownloadTests.repo(bigSize: 4 << 20)
        let hub = try TestHub(repos: [repo])
        defer { hub.shutdown() }
        let mirror = try NginxMirror(hub: hub, tls: true)
        let node = try MirrorFleet.node(mirror: mirror.endpoint, hub: hub)
        #expect(try node.request("pull", ["model": .string(MirrorFleet.model)]).ok)
        try node.waitForState(MirrorFleet.model, .available, timeout: .seconds(60))
        #expect(mirror.accessLog.isEmpty, "no request got past the TLS handshake: \(mirror.accessLog)")
        let said = node.process?.errorOutput ?? ""
        let why = said.split(separator: "\n").first { $0.contains("is not trusted") }
        #expect(why?.contains("CURL_CA_BUNDLE") == true, "\(said.suffix(3000))")
        let warnings = said.split(separator: "\n").filter { $0.contains(" warning ") && $0.contains("is not trusted") }
        #expect(warnings.count == 1, "said once, not once per file: \(warnings)")
        #expect(!said.contains("retry 1/"), "a certificate no retry changes is not retried: \(said.suffix(3000))")
        print("a node without the mirror's CA: \(why ?? "")")
    }

    @Test func aPullThatStartsWhileTheMirrorIsDownGetsTheListingFromTheHubWithoutTheToken() throws {
        let repo = DownloadTests.repo(bigSize: 4 << 20)
        let hub = try TestHub(repos: [repo])
        defer { hub.shutdown() }
        let mirror = try NginxMirror(hub: hub)
        mirror.kill()
        // The node's endpoint is the dead mirror from its start: nothing came through it.
        let node = try MirrorFleet.node(mirror: mirror.endpoint, hub: hub, token: TestHub.token)
        #expect(try node.request("pull", ["model": .string(MirrorFleet.model)]).ok)
        try node.waitForState(MirrorFleet.model, .available, timeout: .seconds(60))

        let listings = hub.log.requests.filter { $0.kind == .revision || $0.kind == .tree }
        #expect(!listings.isEmpty, "\(hub.log.requests)")
        #expect(hub.log.requests.allSatisfy { $0.authorization == nil }, "the hub is a mirror here: no token")
    }

    @Test func aGatedFileComesFromTheCacheOnlyToACallerTheHubLetsIn() throws {
        let hub = try TestHub(repos: [MirrorFleet.gatedRepo])
        defer { hub.shutdown() }
        // Without a valid token the hub refuses the resolve, and nginx never reaches the cache.
        let mirror = try NginxMirror(hub: hub)
        try MirrorFleet.expectGatedFileFromTheCacheOnlyToCallersTheHubLetsIn(mirror: mirror.endpoint, scratch: mirror.directory, hub: hub)
    }

    @Test func theHubsRetryAfterReachesTheNodesThroughTheMirror() throws {
        let hub = try TestHub(repos: [DownloadTests.repo(bigSize: 8 << 20)])
        defer { hub.shutdown() }
        let mirror = try NginxMirror(hub: hub)
        try MirrorFleet.expectTheHubsRetryAfterToReachTheNodes(mirror: mirror.endpoint, scratch: mirror.directory, hub: hub)
    }
}
