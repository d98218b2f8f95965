import ModeldProtocol
import Synchronization
import Testing

@testable import ModeldDaemon

@Suite struct EventBusTests {
    func event(_ n: Int) -> Event { Event(.configReloaded(changed: ["\(n)"])) }

    @Test func aSubscriberThatFallsBehindIsCutOffAndToldHowMuchItLost() async {
        let bus = EventBus()
        let lagged = Atomic(false)
        let feed = bus.subscribe(Subscription()) { lagged.store(true, ordering: .relaxed) }
        for n in 0..<EventBus.queueCapacity { bus.publish(event(n)) }
        #expect(feed.dropped == 0, "a full queue is not yet a lag")
        bus.publish(event(-1))
        #expect(feed.dropped == 1)
        let toldToDisconnect = lagged.load(ordering: .relaxed)
        #expect(toldToDisconnect)
        bus.publish(event(-2))
        #expect(feed.dropped == 1, "once cut off, it receives nothing more")
        var delivered = 0
        for await _ in feed.events { delivered += 1 }
        #expect(delivered == EventBus.queueCapacity, "what was queued is still there to drain; then the feed ends")
    }

    @Test func filtersDecideWhoReceivesWhat() async {
        let bus = EventBus()
        let models = bus.subscribe(Subscription(topics: ["model"]))
        let everything = bus.subscribe(Subscription())
        bus.publish(event(1))
        bus.publish(Event(.modelState(model: "m", from: .unknown, to: .missing, reason: "r")))
        models.cancel()
        everything.cancel()
        var names: [String] = []
        for await event in models.events { names.append(event.name) }
        #expect(names == ["model.state"])
        var count = 0
        for await _ in everything.events { count += 1 }
        #expect(count == 2)
    }
}
