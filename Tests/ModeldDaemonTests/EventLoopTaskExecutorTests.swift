import NIOCore
import NIOPosix
import Testing

@testable import ModeldDaemon

/// A connection's task runs on its event loop, the actors it calls included, and comes
/// back to it after each await.
@Suite struct EventLoopTaskExecutorTests {
    actor Counter {
        var value = 0
        func add() -> Bool {
            value += 1
            return MultiThreadedEventLoopGroup.currentEventLoop != nil
        }
    }

    @Test func aTaskPreferringTheLoopRunsOnItAcrossAwaits() async {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let counter = Counter()
        let executor = EventLoopTaskExecutor(loop)
        defer { withExtendedLifetime(executor) {} }
        let seen = await Task(executorPreference: executor) {
            var onLoop = [loop.inEventLoop]
            onLoop.append(await counter.add())
            try? await Task.sleep(for: .milliseconds(1))
            onLoop.append(loop.inEventLoop)
            return onLoop
        }.value
        #expect(seen == [true, true, true])
    }
}
