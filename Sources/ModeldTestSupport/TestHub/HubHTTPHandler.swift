import NIOCore
import NIOHTTP1

/// Serves one connection of the test hub: routes each request, applies the fault
/// planned for it, and streams the body in slices, writing the next only when the
/// previous one has gone to the socket (so a slow reader holds one slice, not a file).
final class HubHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// A response body under way.
    private struct Transfer {
        let request: RecordedRequest
        let body: [UInt8]
        let range: Range<Int>
        let fault: HubFault?
        let keepAlive: Bool
        var sent = 0
        var stalled = false
        var remaining: Int { range.count - sent }
    }

    private let listener: TestHub.Listener
    private let core: TestHub.Core
    private var head: HTTPRequestHead?
    /// The body of the request being read (a `paths-info` POST has one).
    private var requestBody: [UInt8] = []
    private var transfer: Transfer?

    init(listener: TestHub.Listener, core: TestHub.Core) {
        self.listener = listener
        self.core = core
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            requestBody = []
        case .body(let buffer): requestBody += buffer.readableBytesView
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        transfer = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        transfer = nil
        context.close(promise: nil)
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let request = core.record(listener: listener, head: head, body: requestBody)
        let fault = core.faults.take(for: request)
        if let fault { core.log.update(request.sequence) { $0.fault = fault } }
        var wait = core.options.requestLatency
        if case .delay(let duration) = fault { wait += duration }
        if wait > .zero {
            context.eventLoop.assumeIsolated().scheduleTask(in: Self.timeAmount(wait)) {
                self.answer(head, request, fault, context: context)
            }
        } else {
            answer(head, request, fault, context: context)
        }
    }

    private func answer(_ head: HTTPRequestHead, _ request: RecordedRequest, _ fault: HubFault?, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        let response: HubResponse
        switch fault {
        case .disconnect:
            context.close(promise: nil)
            return
        case .status(let status, let retryAfter):
            response = .error(
                status, code: nil, "Injected fault: \(status)",
                headers: retryAfter.map { [("Retry-After", "\($0)")] } ?? [])
        default:
            response = Self.misshape(core.respond(to: request, ignoreRange: fault == .ignoreRange), fault)
        }

        var headers = HTTPHeaders(response.headers)
        headers.replaceOrAdd(name: "Content-Length", value: "\(response.range.count)")
        headers.replaceOrAdd(name: "Connection", value: head.isKeepAlive ? "keep-alive" : "close")
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        core.log.update(request.sequence) { $0.status = response.status }

        transfer = Transfer(
            request: request, body: response.body, range: head.method == .HEAD ? 0..<0 : response.range, fault: fault,
            keepAlive: head.isKeepAlive)
        pump(context: context)
    }

    /// Sends the next slice of the body, or ends the response.
    private func pump(context: ChannelHandlerContext) {
        guard var transfer else { return }
        if transfer.remaining == 0 {
            self.transfer = nil
            finish(transfer, context: context)
            return
        }
        var slice = min(transfer.remaining, core.options.sliceSize)
        var rate = core.options.bodyBytesPerSecond
        switch transfer.fault {
        case .resetAfter(let bytes):
            if transfer.sent >= bytes {
                self.transfer = nil
                context.close(promise: nil)
                return
            }
            slice = min(slice, bytes - transfer.sent)
        case .stall(let bytes, let duration) where !transfer.stalled:
            if transfer.sent >= bytes {
                self.transfer!.stalled = true
                schedule(in: Self.timeAmount(duration), context: context)
                return
            }
            slice = min(slice, bytes - transfer.sent)
        case .hold(let bytes, let gate) where !transfer.stalled:
            if transfer.sent >= bytes {
                self.transfer!.stalled = true
                let loop = context.eventLoop, handler = NIOLoopBound(self, eventLoop: loop), bound = NIOLoopBound(context, eventLoop: loop)
                gate.whenOpen { loop.execute { handler.value.pump(context: bound.value) } }
                return
            }
            slice = min(slice, bytes - transfer.sent)
        case .throttle(let throttled):
            rate = throttled
        default: break
        }
        var delay: TimeAmount?
        if let rate {
            // Slices of at most a tenth of a second's worth, each followed by its time.
            slice = min(slice, max(1, rate / 10))
            delay = .nanoseconds(Int64(slice) * 1_000_000_000 / Int64(max(1, rate)))
        }

        let start = transfer.range.lowerBound + transfer.sent
        var buffer = context.channel.allocator.buffer(capacity: slice)
        buffer.writeBytes(transfer.body[start..<start + slice])
        if transfer.fault == .wrongBytes {
            let middle = transfer.range.lowerBound + transfer.range.count / 2
            if (start..<start + slice).contains(middle) {
                buffer.setInteger(transfer.body[middle] ^ 0xFF, at: buffer.readerIndex + middle - start)
            }
        }
        transfer.sent += slice
        self.transfer = transfer
        core.log.addBody(slice, to: transfer.request.sequence, path: transfer.request.path)

        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer)))).assumeIsolated().whenComplete { result in
            switch result {
            case .success:
                if let delay { self.schedule(in: delay, context: context) } else { self.pump(context: context) }
            case .failure:
                self.transfer = nil
                context.close(promise: nil)
            }
        }
    }

    /// A ranged answer changed the way `fault` says; any other answer as it is.
    private static func misshape(_ response: HubResponse, _ fault: HubFault?) -> HubResponse {
        guard response.status == 206 else { return response }
        var changed = response
        switch fault {
        case .shiftedRange(let bytes):
            let start = min(response.range.lowerBound + bytes, response.body.count)
            changed.range = start..<min(response.range.upperBound + bytes, response.body.count)
            changed.headers = response.headers.filter { $0.0 != "Content-Range" }
                + [("Content-Range", "bytes \(changed.range.lowerBound)-\(changed.range.upperBound - 1)/\(response.body.count)")]
        case .longerBody(let bytes):
            changed.range = response.range.lowerBound..<min(response.range.upperBound + bytes, response.body.count)
        default:
            break
        }
        return changed
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    private func schedule(in delay: TimeAmount, context: ChannelHandlerContext) {
        context.eventLoop.assumeIsolated().scheduleTask(in: delay) { self.pump(context: context) }
    }

    private func finish(_ transfer: Transfer, context: ChannelHandlerContext) {
        core.log.update(transfer.request.sequence) { $0.finished = true }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !transfer.keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}
