import Logging
import ModeldCore
import Testing

@testable import ModeldDaemon

/// `waitUntilChecked`: a download waits for the end of a check with no polling, and is let
/// go when the check ends, the model leaves the catalog, or the waiting task is cancelled.
@Suite struct KeeperCheckWaitTests {
    static func keeper() -> Keeper {
        var config = ModeldConfig()
        config.models = [CatalogModel(id: "m", repo: "org/m")]
        return Keeper(config: config, events: EventBus(), logger: Logger(label: "test"))
    }

    /// Returns once a waiter has taken its news feed, so what follows is what wakes it.
    static func waiting(on keeper: Keeper) async {
        while await keeper.newsWaiters.isEmpty { await Task.yield() }
    }

    static let manifest = Manifest(repo: "org/m", commit: String(repeating: "1", count: 40), files: [])

    @Test func aWaiterGoesOnWhenTheCheckEnds() async {
        let keeper = Self.keeper()
        #expect(await keeper.isBeingChecked("m"), "never checked yet")
        let waiter = Task { await keeper.waitUntilChecked("m") }
        await Self.waiting(on: keeper)
        await keeper.adopt(Self.manifest, for: "m")
        await keeper.beginVerification(of: "m", files: 0)
        await keeper.finishVerification(of: "m", method: .stat, ticket: await keeper.checkTicket())
        await waiter.value
        #expect(await !keeper.isBeingChecked("m"))
    }

    @Test func aWaiterGoesOnWhenTheModelLeavesTheCatalog() async {
        let keeper = Self.keeper()
        let waiter = Task { await keeper.waitUntilChecked("m") }
        await Self.waiting(on: keeper)
        _ = await keeper.reconfigure(ModeldConfig())
        await waiter.value
    }

    @Test func aCancelledWaiterGoesOn() async {
        let keeper = Self.keeper()
        let waiter = Task { await keeper.waitUntilChecked("m") }
        await Self.waiting(on: keeper)
        waiter.cancel()
        await waiter.value
        #expect(await keeper.isBeingChecked("m"), "nothing changed: the wait itself ended")
        #expect(await keeper.newsWaiters.isEmpty, "and its feed is gone")
    }
}
