import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A Hugging-Face-compatible hub on 127.0.0.1 for tests, with a second listener playing
/// the CDN that LFS downloads are redirected to (on 127.0.0.2 when the machine routes
/// it, so the CDN is a different host as well as a different port), fault injection and
/// a log of every request.
///
/// ```swift
/// let hub = try TestHub(repos: [TestRepo("org/name", files: [TestFile("model.safetensors", size: 1 << 20)])])
/// defer { hub.shutdown() }
/// hub.faults.enqueue(.status(503), for: .download("model.safetensors"), times: 2)
/// // … point the client at hub.endpoint (HF_ENDPOINT) …
/// #expect(hub.log.requests(on: .cdn).allSatisfy { $0.authorization == nil })
/// ```
public final class TestHub: Sendable {
    /// Which of the two listeners a request reached.
    public enum Listener: String, Sendable {
        case hub, cdn
    }

    public struct Options: Sendable {
        /// The tokens the hub accepts (`Authorization: Bearer <token>`).
        public var tokens: Set<String> = [TestHub.token]
        /// Entries per page of a tree listing (the hub's is 1000).
        public var treePageSize = 1000
        /// Where the CDN listens; falls back to 127.0.0.1 when it cannot bind there.
        public var cdnHost = "127.0.0.2"
        /// Regular files: `307` to a relative `resolve-cache` URL, as the hub does
        /// (false: `200` straight from `resolve`).
        public var redirectRegularFiles = true
        /// How long a signed CDN URL stays valid (afterwards: `403`).
        public var cdnURLLifetime: Duration = .seconds(3600)
        /// Body bytes per write.
        public var sliceSize = 256 << 10
        /// Repo id → the tree listing to serve instead of the repo's own.
        public var rawTrees: [String: RawTreeListing] = [:]
        /// The rate every body is sent at, unless a `.throttle` fault sets another; nil:
        /// as fast as the connection takes it. A paced hub is a slow link: what it counts
        /// as sent has arrived, instead of waiting in the sockets' buffers for a client
        /// that reads slowly (and lost with them when the client is killed).
        public var bodyBytesPerSecond: Int?
        /// Waited before every answer's head: a hub and a CDN far away (the round trip a
        /// request costs; loopback has none).
        public var requestLatency: Duration = .zero

        public init() {}
    }

    /// The token `Options.tokens` accepts by default.
    public static let token = "hf_modeld_test_token"

    /// What the connection handlers share with the hub; every field is Sendable.
    final class Core: Sendable {
        let options: Options
        let log = HubRequestLog()
        let faults = HubFaults()
        let repos: Mutex<[String: TestRepo]>
        let router: HubRouter

        init(repos: [TestRepo], options: Options, endpoint: String, cdnEndpoint: String) {
            self.options = options
            self.repos = Mutex(Dictionary(repos.map { ($0.id, $0) }, uniquingKeysWith: { $1 }))
            router = HubRouter(
                endpoint: endpoint, cdnEndpoint: cdnEndpoint, options: options, secret: UUID().uuidString)
        }

        func record(listener: Listener, head: HTTPRequestHead, body: [UInt8]) -> RecordedRequest {
            let repos = self.repos.withLock { $0 }
            let (kind, repo, file) = router.classify(listener: listener, target: head.uri, repos: repos)
            return log.begin { sequence in
                RecordedRequest(
                    sequence: sequence, listener: listener, method: head.method.rawValue, target: head.uri,
                    headers: head.headers.map { ($0.name, $0.value) }, body: body, kind: kind, repo: repo, file: file)
            }
        }

        func respond(to request: RecordedRequest, ignoreRange: Bool) -> HubResponse {
            router.respond(to: request, repos: repos.withLock { $0 }, ignoreRange: ignoreRange)
        }
    }

    /// `http://127.0.0.1:PORT`: what `HF_ENDPOINT` should be.
    public let endpoint: String
    /// `http://127.0.0.2:PORT` (or 127.0.0.1 with another port): where LFS files redirect.
    public let cdnEndpoint: String
    public let port: Int
    public let cdnPort: Int
    /// Faults planned for coming requests.
    public var faults: HubFaults { core.faults }
    /// Every request received.
    public var log: HubRequestLog { core.log }

    private let core: Core
    private let group: MultiThreadedEventLoopGroup
    private let listeners: [HubListener]
    private let stopped = Mutex(false)

    /// Starts the hub and the CDN, returning once both listen. Stop it with `shutdown()`
    /// (also done when released).
    public init(repos: [TestRepo], options: Options = Options()) throws {
        let hub = try HubListener(host: "127.0.0.1")
        let cdn = try (try? HubListener(host: options.cdnHost)) ?? HubListener(host: "127.0.0.1")
        port = hub.port
        cdnPort = cdn.port
        endpoint = "http://127.0.0.1:\(hub.port)"
        cdnEndpoint = "http://\(cdn.host):\(cdn.port)"
        listeners = [hub, cdn]
        let core = Core(repos: repos, options: options, endpoint: endpoint, cdnEndpoint: cdnEndpoint)
        self.core = core
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.group = group
        for (listener, kind) in [(hub, Listener.hub), (cdn, Listener.cdn)] {
            listener.start { fd in Self.serve(fd, as: kind, core: core, group: group) }
        }
    }

    /// The same, for async tests (binding does not wait on anything).
    public static func start(repos: [TestRepo], options: Options = Options()) async throws -> TestHub {
        try TestHub(repos: repos, options: options)
    }

    deinit { shutdown() }

    /// Stops listening (new connections are refused at once), then closes every
    /// connection and waits until they are closed.
    public func shutdown() {
        guard stopped.withLock({ let was = $0; $0 = true; return !was }) else { return }
        for listener in listeners { listener.stop() }
        try? group.syncShutdownGracefully()
    }

    /// The same, for async tests.
    public func stop() async {
        guard stopped.withLock({ let was = $0; $0 = true; return !was }) else { return }
        for listener in listeners { listener.stop() }
        try? await group.shutdownGracefully()
    }

    /// Hands an accepted connection to NIO, with the HTTP server pipeline and our handler.
    private static func serve(_ fd: Int32, as listener: Listener, core: Core, group: MultiThreadedEventLoopGroup) {
        // On failure NIO closes the descriptor itself (or it is lost at shutdown): never close it twice.
        _ = ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(HubHTTPHandler(listener: listener, core: core))
                }
            }
            .withConnectedSocket(fd)
    }

    // MARK: Repos

    /// The repo `id` as the hub now serves it.
    public func repo(_ id: String) -> TestRepo? { core.repos.withLock { $0[id] } }

    /// Adds (or replaces) a repo.
    public func add(_ repo: TestRepo) { core.repos.withLock { $0[repo.id] = repo } }

    public func remove(_ id: String) { core.repos.withLock { $0[id] = nil } }

    /// Changes repo `id` in place (a new commit, a moved branch, gating), atomically.
    @discardableResult
    public func update<T>(_ id: String, _ change: (inout TestRepo) throws -> T) throws -> T {
        try core.repos.withLock { repos in
            guard var repo = repos[id] else { throw TestSupportError("no repo \(id) on the test hub") }
            let result = try change(&repo)
            repos[id] = repo
            return result
        }
    }

    /// `{endpoint}/{repo}/resolve/{revision}/{path}`, encoded as huggingface_hub does.
    public func resolveURL(_ repo: String, _ path: String, revision: String = "main") -> String {
        "\(endpoint)/\(repo)/resolve/\(HubRouter.encode(revision))/\(HubRouter.encodePath(path))"
    }
}
