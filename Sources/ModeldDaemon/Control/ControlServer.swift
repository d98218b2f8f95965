import Foundation
import Glibc
import Logging
import ModeldCore
import ModeldLinux
import ModeldProtocol
import NIOCore
import NIOExtras
import NIOPosix
import ServiceLifecycle

/// The control socket: a Unix stream socket speaking JSON lines (PROTOCOL.md), one
/// child task per connection. Uses the socket systemd passed (socket activation) or
/// binds the configured path.
struct ControlServer: Service {
    let settings: DaemonSettings
    let router: CommandRouter
    let events: EventBus
    let metrics: ControlMetrics
    let logger: Logger
    /// Called once the socket accepts connections: the moment to tell systemd READY=1.
    let onListening: @Sendable () async -> Void

    /// Connections open at once; more are closed at once, so a runaway client cannot
    /// exhaust the daemon's file descriptors.
    static let maximumConnections = 1024

    struct Accepted: Sendable {
        var channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        var peer: PeerCredentials?
    }

    func run() async throws {
        let (server, ownedPath) = try await listen()
        logger.info("listening", metadata: ["socket": "\(ownedPath ?? "fd passed by systemd")"])
        await onListening()
        defer {
            if let ownedPath { try? SocketPath.remove(ownedPath) }
        }
        try await server.executeThenClose { connections in
            await withDiscardingTaskGroup { group in
                var connectionCount: UInt64 = 0
                do {
                    for try await accepted in connections.cancelOnGracefulShutdown() {
                        guard metrics.openConnections < Self.maximumConnections else {
                            metrics.connectionRejected()
                            try? await accepted.channel.channel.close()
                            continue
                        }
                        connectionCount += 1
                        group.addTask { [connectionCount] in
                            await ControlConnection(
                                channel: accepted.channel, peer: accepted.peer, number: connectionCount, router: router, events: events,
                                metrics: metrics, logger: logger
                            ).run()
                        }
                    }
                } catch {
                    logger.error("the control socket stopped accepting: \(error)")
                }
                // Shutting down: end every connection, subscribers included.
                group.cancelAll()
            }
        }
    }

    /// The listening channel, and the path this process created (removed at exit).
    private func listen() async throws -> (NIOAsyncChannel<Accepted, Never>, String?) {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            // `echo '{"cmd":"status"}' | socat - UNIX-CONNECT:…` shuts its side down right
            // after sending: the answers must still go out, and a subscriber keeps its events.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
        if let fd = try SystemdNotifier.listeningSockets().first {
            return (try await bootstrap.bind(fd, childChannelInitializer: Self.accept), nil)
        }
        let path = settings.socket
        try prepare(path)
        let server = try await bootstrap.bind(unixDomainSocketPath: path, childChannelInitializer: Self.accept)
        try setPermissions(path)
        return (server, path)
    }

    /// Clears the way for binding: refuses when another daemon answers or the path is
    /// not a socket, removes a stale socket, creates the directory.
    private func prepare(_ path: String) throws {
        switch try SocketPath.state(of: path, probe: Self.answers) {
        case .answering:
            throw DaemonError.socketInUse(path)
        case .notASocket:
            throw DaemonError.socketPathTaken(path)
        case .stale:
            try SocketPath.remove(path)
            logger.notice("removed a stale socket left by an earlier run", metadata: ["socket": "\(path)"])
        case .free:
            break
        }
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Whether a process accepts connections at `path`. Only a refused connection means
    /// nobody listens: a socket we may not even connect to is someone's, alive.
    private static func answers(_ path: String) -> Bool {
        do {
            _ = try ControlClient(path: path)
            return true
        } catch {
            if case .unreachable(_, let code) = error, code == ECONNREFUSED || code == ENOENT { return false }
            return true
        }
    }

    /// `socket_mode`, and the admin group as the socket's group when it exists, so its
    /// members can connect to a 0660 socket.
    private func setPermissions(_ path: String) throws {
        if chmod(path, mode_t(settings.socketMode.bits)) != 0 {
            throw SystemError("chmod(\(path))", errno: errno)
        }
        guard let group = AdminPolicy.groupID(named: settings.adminGroup) else {
            logger.debug("no group '\(settings.adminGroup)'; the socket keeps the daemon's group")
            return
        }
        if chown(path, uid_t.max, group) != 0 {
            logger.warning(
                "cannot give the socket to group '\(settings.adminGroup)': \(SystemError("chown(\(path))", errno: errno))")
        }
    }

    /// Each connection: the peer's credentials (read once, `SO_PEERCRED`), lines of at
    /// most 1 MiB, and an async channel to serve it with.
    @Sendable private static func accept(_ channel: Channel) -> EventLoopFuture<Accepted> {
        let credentials: EventLoopFuture<PeerCredentials?>
        if let provider = channel as? SocketOptionProvider {
            let asked: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
                level: .socket, name: NIOBSDSocket.Option(rawValue: SO_PEERCRED))
            credentials = asked.map(Optional.some).recover { _ in nil }
        } else {
            credentials = channel.eventLoop.makeSucceededFuture(nil)
        }
        return credentials.flatMapThrowing { peer in
            // Bounds what an unfinished line may buffer; a finished line's exact length is
            // checked by the connection, whatever the reads' chunking (+1: a trailing CR).
            try channel.pipeline.syncOperations.addHandler(
                ByteToMessageHandler(LineBasedFrameDecoder(), maximumBufferSize: WireCodec.maximumLineBytes + 1))
            return Accepted(channel: try NIOAsyncChannel(wrappingChannelSynchronously: channel), peer: peer)
        }
    }
}
