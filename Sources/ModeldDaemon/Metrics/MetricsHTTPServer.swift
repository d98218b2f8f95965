import Glibc
import Logging
import ModeldCore
import ModeldLinux
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// `[metrics] listen`: Prometheus scrapes `GET /metrics` here (`HEAD` too), read-only,
/// the same exposition as the `metrics` command. Accepted on a thread of its own like the
/// control socket (`SocketListener`: close-on-exec, so a spawned nvidia-smi holds no
/// connection) and served by NIOHTTP1, one request per connection, within small limits.
struct MetricsHTTPServer: Service {
    let listener: SocketListener
    let exposition: MetricsExposition
    let logger: Logger
    private let open = OpenConnections()

    /// Scrapers at once; more are closed at once (Prometheus retries at its next scrape).
    static let maximumConnections = 16
    /// A scrape's request is a few hundred bytes.
    static let maximumRequestBytes = 16 << 10
    static let requestTimeLimit = TimeAmount.seconds(10)

    init(listener: SocketListener, exposition: MetricsExposition, logger: Logger) {
        self.listener = listener
        self.exposition = exposition
        self.logger = logger
    }

    /// Binds `address` before any service starts, so that a port that cannot be had stops
    /// the daemon with the reason before it tells systemd it is ready. Returns the port
    /// bound (port 0: the kernel's choice).
    static func bind(_ address: ListenAddress) throws(DaemonError) -> (SocketListener, port: UInt16) {
        do {
            return try SocketListener.tcp(address, backlog: 64)
        } catch {
            throw .metricsUnbindable(address.description, error)
        }
    }

    func run() async throws {
        let (arrivals, arrived) = AsyncStream.makeStream(of: Int32.self)
        listener.start(
            name: "modeld-metrics",
            accepted: { fd in
                guard open.admit(limit: Self.maximumConnections) else {
                    close(fd)
                    return
                }
                if case .terminated = arrived.yield(fd) {
                    close(fd)
                    open.closed()
                }
            },
            ended: { error in
                if let error { logger.error("the metrics endpoint stopped accepting: \(error)") }
                arrived.finish()
            })
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                for await fd in arrivals {
                    group.addTask { await serve(fd) }
                }
            } onGracefulShutdown: {
                listener.stop()
            }
            group.cancelAll()
        }
    }

    private func serve(_ fd: Int32) async {
        defer { open.closed() }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { [exposition] channel in
                    channel.eventLoop.makeCompletedFuture {
                        var limits = NIOHTTPDecoderLimitConfiguration()
                        limits.maxHeaderFieldSize = Self.maximumRequestBytes
                        limits.maxHeaderListSize = Self.maximumRequestBytes
                        limits.maxHeaderFieldCount = 100
                        try channel.pipeline.syncOperations.addHandlers([
                            InboundByteLimit(limit: Self.maximumRequestBytes),
                            HTTPResponseEncoder(),
                            ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: limits)),
                            // A request that does not parse gets a 400 and the connection closes.
                            HTTPServerProtocolErrorHandler(),
                            MetricsHTTPHandler(timeLimit: Self.requestTimeLimit) { await exposition.text() },
                        ])
                    }
                }
                .withConnectedSocket(fd)
                .get()
        } catch {
            // NIO closed the descriptor with the channel it could not make.
            logger.warning("a metrics connection could not be served: \(error)")
            return
        }
        await withTaskCancellationHandler {
            try? await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}

/// The metrics connections open now, counted on the accepting thread.
private final class OpenConnections: Sendable {
    private let count = Mutex(0)

    func admit(limit: Int) -> Bool {
        count.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func closed() { count.withLock { $0 -= 1 } }
}
