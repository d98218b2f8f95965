import Testing

@testable import ModeldDaemon

@Suite struct VerificationQueueTests {
    @Test func requestsForOneModelMerge() {
        let queue = VerificationQueue()
        queue.enqueue(.init(model: "a", scope: .files(["x"]), source: .watch))
        queue.enqueue(.init(model: "b", scope: .wholeModel(deep: false), source: .verify))
        queue.enqueue(.init(model: "a", scope: .files(["y"]), source: .watch))
        queue.enqueue(.init(model: "b", scope: .wholeModel(deep: true), source: .verify))
        #expect(queue.next() == .init(model: "a", scope: .files(["x", "y"]), source: .watch))
        #expect(queue.next() == .init(model: "b", scope: .wholeModel(deep: true), source: .verify))
        #expect(queue.next() == nil)
    }

    @Test func aCheckSomeoneWaitsForGoesFirst() {
        let queue = VerificationQueue()
        queue.enqueue(.init(model: "a", scope: .wholeModel(deep: false), source: .verify))
        queue.enqueue(.init(model: "b", scope: .files(["x"]), source: .watch))
        queue.enqueue(.init(model: "b", scope: .files(["y"]), source: .watch), first: true)
        #expect(queue.next() == .init(model: "b", scope: .files(["x", "y"]), source: .watch))
        #expect(queue.next()?.model == "a")
    }

    @Test func aWholeModelCheckAbsorbsFileChecks() {
        let files = VerificationQueue.Request(model: "a", scope: .files(["x"]), source: .watch)
        let whole = VerificationQueue.Request(model: "a", scope: .wholeModel(deep: false), source: .verify)
        #expect(VerificationQueue.merge(files, whole) == whole)
        #expect(VerificationQueue.merge(whole, files) == whole)
    }
}
