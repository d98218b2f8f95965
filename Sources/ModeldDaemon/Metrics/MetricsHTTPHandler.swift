import NIOCore
import NIOHTTP1

/// Answers the one request of a metrics connection, then closes it once the answer is
/// on the wire (`Connection: close`: a scrape every 15 s needs no kept connection, and one
/// request per connection keeps every limit per request). The exposition is made off the
/// event loop (it asks the Keeper); the loop only writes it.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let exposition: @Sendable () async -> String
    /// A request that did not end in time (a client that sends nothing, or slowly) is closed.
    private let timeLimit: TimeAmount
    private var deadline: Scheduled<Void>?
    private var head: HTTPRequestHead?
    private var answered = false

    init(timeLimit: TimeAmount, exposition: @escaping @Sendable () async -> String) {
        self.timeLimit = timeLimit
        self.exposition = exposition
    }

    func handlerAdded(context: ChannelHandlerContext) {
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeLimit) { context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            // Ignored: no request here has a body; InboundByteLimit bounds one sent anyway.
            break
        case .end:
            guard let head, !answered else { return }
            answered = true
            let route = MetricsRoute(method: head.method.rawValue, target: head.uri)
            if let refusal = route.refusal {
                let allow: [(String, String)] = route == .methodNotAllowed ? [("Allow", "GET, HEAD")] : []
                respond(head, .init(statusCode: refusal.code), "text/plain; charset=utf-8", refusal.text, withBody: head.method != .HEAD,
                    extraHeaders: allow, context: context)
                return
            }
            let promise = context.eventLoop.makePromise(of: String.self)
            promise.completeWithTask(exposition)
            promise.futureResult.assumeIsolated().whenSuccess { text in
                self.respond(head, .ok, ExpositionText.contentType, text, withBody: route == .exposition(withBody: true), context: context)
            }
        }
    }

    /// Head, body (not for HEAD, whose Content-Length still tells the body's), end; the
    /// connection closes when the end has been written.
    private func respond(
        _ request: HTTPRequestHead, _ status: HTTPResponseStatus, _ contentType: String, _ body: String, withBody: Bool,
        extraHeaders: [(String, String)] = [], context: ChannelHandlerContext
    ) {
        guard context.channel.isActive else { return }
        let headers = HTTPHeaders(
            [("Content-Type", contentType), ("Content-Length", "\(body.utf8.count)"), ("Connection", "close")] + extraHeaders)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if withBody {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
