import ModeldProtocol
import Synchronization

/// Hands every event to each subscriber whose filter matches, through a bounded queue
/// per subscriber. A subscriber whose queue is full is cut off — told how many events
/// it lost — so a slow reader never slows the daemon or grows its memory.
final class EventBus: Sendable {
    /// Events a subscriber may have waiting before it counts as too slow.
    static let queueCapacity = 1024

    private struct Subscriber {
        var filter: Subscription
        var continuation: AsyncStream<Event>.Continuation
        var feed: EventFeed
    }

    private let subscribers = Mutex<(next: UInt64, all: [UInt64: Subscriber])>((0, [:]))

    /// A new feed of the events `filter` matches, until it lags or `cancel()` is called.
    func subscribe(_ filter: Subscription, onLag: @escaping @Sendable () -> Void = {}) -> EventFeed {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingOldest(Self.queueCapacity))
        return subscribers.withLock { state in
            let id = state.next
            state.next += 1
            let feed = EventFeed(events: stream, onLag: onLag) { [weak self] in self?.remove(id) }
            state.all[id] = Subscriber(filter: filter, continuation: continuation, feed: feed)
            return feed
        }
    }

    func publish(_ event: Event) {
        let lagging: [EventFeed] = subscribers.withLock { state in
            var lagging: [EventFeed] = []
            for (id, subscriber) in state.all where subscriber.filter.matches(event) {
                if case .dropped = subscriber.continuation.yield(event) {
                    subscriber.feed.markLagged(dropped: 1)
                    subscriber.continuation.finish()
                    state.all[id] = nil
                    lagging.append(subscriber.feed)
                }
            }
            return lagging
        }
        for feed in lagging { feed.onLag() }
    }

    private func remove(_ id: UInt64) {
        let removed = subscribers.withLock { $0.all.removeValue(forKey: id) }
        removed?.continuation.finish()
    }
}

/// One subscriber's side of the bus.
final class EventFeed: Sendable {
    let events: AsyncStream<Event>
    let onLag: @Sendable () -> Void
    private let cancelAction: @Sendable () -> Void
    private let droppedCount = Mutex(0)

    init(events: AsyncStream<Event>, onLag: @escaping @Sendable () -> Void, cancel: @escaping @Sendable () -> Void) {
        self.events = events
        self.onLag = onLag
        self.cancelAction = cancel
    }

    /// Events lost because the subscriber was too slow; > 0 means it was cut off.
    var dropped: Int { droppedCount.withLock { $0 } }

    func markLagged(dropped: Int) { droppedCount.withLock { $0 += dropped } }

    func cancel() { cancelAction() }
}
