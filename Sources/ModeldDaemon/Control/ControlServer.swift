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
/// binds the configured path. Connections are accepted on a thread of their own
/// (`SocketListener`), counted against `[daemon] max_connections` at once, and handed to NIO.
struct ControlServer: Service {
    let settings: DaemonSettings
    let router: CommandRouter
    let events: EventBus
    let metrics: ControlMetrics
    let logger: Logger
    /// Called once the socket accepts connections: the moment to tell systemd READY=1.
    let onListening: @Sendable () async -> Void

    /// A connection admitted under the cap, with its peer's credentials.
    struct Admitted: Sendable {
        var fd: Int32
        var peer: PeerCredentials?
    }

    func run() async throws {
        let (listener, ownedPath) = try listen()
        logger.info("listening", metadata: ["socket": "\(ownedPath ?? "fd passed by systemd")"])
        await onListening()
        defer {
            listener.stop()
            if let ownedPath { try? SocketPath.remove(ownedPath) }
        }
        // Unbounded in type, bounded in fact: only admitted connections enter, at most
        // `max_connections` of them open.
        let (arrivals, arrived) = AsyncStream.makeStream(of: Admitted.self)
        listener.start(
            name: "modeld-accept",
            accepted: { fd in admit(fd, into: arrived) },
            ended: { error in
                if let error { logger.error("the control socket stopped accepting: \(error)") }
                arrived.finish()
            })
        // One executor per event loop, alive as long as the server: a task does not keep
        // its preferred executor alive.
        let executors = MultiThreadedEventLoopGroup.singleton.makeIterator().map(EventLoopTaskExecutor.init)
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                var connectionCount: UInt64 = 0
                for await admitted in arrivals {
                    connectionCount += 1
                    // The connection's task runs on its socket's event loop (see EventLoopTaskExecutor).
                    let executor = executors[Int(connectionCount % UInt64(executors.count))]
                    group.addTask(executorPreference: executor) { [connectionCount] in
                        await serve(admitted, number: connectionCount, on: executor.loop)
                    }
                }
            } onGracefulShutdown: {
                // The accepting thread ends, and with it `arrivals`.
                listener.stop()
            }
            // Shutting down: end every connection, subscribers included.
            group.cancelAll()
        }
        withExtendedLifetime(executors) {}
    }

    /// On the accepting thread: the connection is counted before anything else happens
    /// to it, so a burst of connects cannot pass the cap; one over it is told why and closed.
    private func admit(_ fd: Int32, into arrived: AsyncStream<Admitted>.Continuation) {
        guard metrics.admitConnection(limit: settings.maxConnections) else {
            let error = ProtocolError(
                .tooManyConnections, "modeld serves at most \(settings.maxConnections) connections at once",
                hint: "try again in a moment; clients that keep idle connections open hold them ([daemon] max_connections)")
            SocketListener.refuse(fd, saying: [UInt8](WireCodec.failure(id: nil, error: error)))
            return
        }
        var peer: PeerCredentials?
        do {
            peer = try PeerCredentials.of(socket: fd)
        } catch {
            // Without credentials the connection may still read and use; admin is refused.
            logger.warning("a control connection's peer is unknown: \(error)")
        }
        if case .terminated = arrived.yield(Admitted(fd: fd, peer: peer)) {
            close(fd)
            metrics.connectionClosed()
        }
    }

    /// Hands the connection to NIO (lines of at most 1 MiB) and serves it.
    private func serve(_ admitted: Admitted, number: UInt64, on loop: any EventLoop) async {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            // `echo '{"cmd":"status"}' | socat - UNIX-CONNECT:…` shuts its side down right
            // after sending: the answers must still go out, and a subscriber keeps its events.
            channel = try await ClientBootstrap(group: loop)
                .channelOption(.allowRemoteHalfClosure, value: true)
                .withConnectedSocket(admitted.fd) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // Bounds what an unfinished line may buffer; a finished line's exact length is
                        // checked by the connection, whatever the reads' chunking (+1: a trailing CR).
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(LineBasedFrameDecoder(), maximumBufferSize: WireCodec.maximumLineBytes + 1))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            // NIO closed the descriptor with the channel it could not make: never close it twice.
            metrics.connectionClosed()
            logger.warning("a control connection could not be served: \(error)")
            return
        }
        // Read per connection: a reload's new value applies to the connections after it.
        let idleTimeout = await router.keeper.config.daemon.idleTimeout.duration
        await ControlConnection(
            channel: channel, peer: admitted.peer, number: number, router: router, events: events, metrics: metrics,
            idleTimeout: idleTimeout, logger: logger
        ).run()
    }

    /// The listening socket, and the path this process created (removed at exit).
    private func listen() throws -> (SocketListener, String?) {
        if let fd = try SystemdNotifier.listeningSockets().first {
            return (try SocketListener(adopting: fd), nil)
        }
        let path = settings.socket
        try prepare(path)
        guard let address = UnixSocketAddress(path: path) else { throw SystemError("bind(\(path))", errno: ENAMETOOLONG) }
        let listener = try address.withSockaddr { (address, length) throws(SystemError) in
            try SocketListener(binding: address, length: length, backlog: 256)
        }
        try setPermissions(path)
        return (listener, path)
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

    /// `socket_mode`, and `socket_group` as the socket's group when it exists, so its
    /// members can connect to a 0660 socket.
    private func setPermissions(_ path: String) throws {
        if chmod(path, mode_t(settings.socketMode.bits)) != 0 {
            throw SystemError("chmod(\(path))", errno: errno)
        }
        let group: gid_t?
        do {
            group = try AdminPolicy.groupID(named: settings.socketGroup)
        } catch {
            logger.warning("cannot look up group '\(settings.socketGroup)', the socket keeps the daemon's group: \(error)")
            return
        }
        guard let group else {
            logger.debug("no group '\(settings.socketGroup)'; the socket keeps the daemon's group")
            return
        }
        if chown(path, uid_t.max, group) != 0 {
            logger.warning(
                "cannot give the socket to group '\(settings.socketGroup)': \(SystemError("chown(\(path))", errno: errno))")
        }
    }
}
