import Foundation
import Logging
import ModeldLinux
import ModeldProtocol
import NIOCore

/// One client: requests answered in order; after `subscribe`, the events it asked for.
/// Closed when idle for `idleTimeout` (see `IdleClock`).
struct ControlConnection {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    let peer: PeerCredentials?
    /// The server's number for this connection: the leases taken on it end with it.
    let number: UInt64
    let router: CommandRouter
    let events: EventBus
    let metrics: ControlMetrics
    /// `[daemon] idle_timeout` when the connection opened (a reload changes it for the next ones).
    let idleTimeout: Duration
    let logger: Logger

    /// How long a subscriber that stopped reading may take before it is disconnected.
    static let lagGrace: TimeAmount = .seconds(2)

    /// Serves the connection until it ends; the server counted it open before.
    func run() async {
        defer { metrics.connectionClosed() }
        let clock = IdleClock(timeout: idleTimeout)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await closeWhenIdle(clock) }
            await serve(clock)
            group.cancelAll()
        }
        // However the connection ended, its leases end with it.
        await router.connectionClosed(number)
    }

    private func serve(_ clock: IdleClock) async {
        do {
            try await channel.executeThenClose { inbound, outbound in
                do {
                    for try await frame in inbound {
                        // Blank lines (a socat user pressing return) are not requests.
                        guard frame.readableBytes > 0 else {
                            clock.heard()
                            continue
                        }
                        guard frame.readableBytes <= WireCodec.maximumLineBytes else {
                            throw ByteToMessageDecoderError.PayloadTooLargeError()
                        }
                        clock.requestBegan()
                        let outcome = await router.handle(
                            Data(frame.readableBytesView), from: peer, connection: number, hangUp: channel.channel.closeFuture)
                        switch outcome {
                        case .reply(let line):
                            try await outbound.write(ByteBuffer(bytes: line))
                            clock.requestEnded()
                        case .subscribe(let subscription, let reply):
                            clock.subscribed()
                            try await outbound.write(ByteBuffer(bytes: reply))
                            try await carryEvents(subscription, to: outbound)
                            return
                        }
                    }
                } catch is ByteToMessageDecoderError.PayloadTooLargeError {
                    let error = ProtocolError(
                        .tooLarge, "a request line may be at most \(WireCodec.maximumLineBytes) bytes",
                        hint: "send one JSON object per line, ending with a newline")
                    try await outbound.write(ByteBuffer(bytes: WireCodec.failure(id: nil, error: error)))
                }
            }
        } catch {
            logger.debug("a control connection ended: \(error)")
        }
    }

    /// Closes the connection once `clock` says it is idle; returns when the connection is
    /// never to be closed for idleness, or when it ended (cancelled).
    private func closeWhenIdle(_ clock: IdleClock) async {
        while true {
            switch clock.verdict() {
            case .never:
                return
            case .close:
                logger.debug("closing a control connection idle for \(idleTimeout)")
                channel.channel.close(promise: nil)
                return
            case .lookAgain(let instant):
                do {
                    try await Task.sleep(until: instant, clock: .continuous)
                } catch {
                    return
                }
            }
        }
    }

    /// Writes matching events until the client leaves, the daemon stops, or the client
    /// falls too far behind (then `lagged`, and the connection is closed).
    private func carryEvents(_ subscription: Subscription, to outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        let raw = channel.channel
        metrics.subscriberOpened()
        defer { metrics.subscriberClosed() }
        let feed = events.subscribe(subscription) {
            // A client that stopped reading may hold a write forever: close it after a grace.
            raw.eventLoop.scheduleTask(in: Self.lagGrace) { raw.close(promise: nil) }
        }
        defer { feed.cancel() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // The client went away (EOF); nothing to wait for anymore.
                try? await raw.closeFuture.get()
            }
            group.addTask {
                // What was queued before the lag is still delivered, then `lagged`.
                var seq = 0
                for await event in feed.events {
                    seq += 1
                    try await outbound.write(ByteBuffer(bytes: try event.line(seq: seq)))
                }
                if feed.dropped > 0 {
                    seq += 1
                    try await outbound.write(ByteBuffer(bytes: try Event(.lagged(dropped: feed.dropped)).line(seq: seq)))
                }
            }
            defer { raw.close(promise: nil) }
            try await group.next()
            group.cancelAll()
        }
    }
}
