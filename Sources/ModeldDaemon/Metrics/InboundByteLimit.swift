import NIOCore

/// Closes a connection that sent more than `limit` bytes. The metrics endpoint answers
/// one request per connection, a scrape's few hundred bytes: this bounds what any client
/// can make the daemon buffer (a URL or a body without end), headers or not.
final class InboundByteLimit: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var remaining: Int

    init(limit: Int) { remaining = limit }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let count = unwrapInboundIn(data).readableBytes
        guard count <= remaining else {
            context.close(promise: nil)
            return
        }
        remaining -= count
        context.fireChannelRead(data)
    }
}
