import Testing

@testable import ModeldDaemon

@Suite struct PendingChecksTests {
    @Test func aCheckSettlesOnlyTheChangesSeenBeforeItBegan() {
        var pending = PendingChecks()
        pending.notice("a", stamp: 1)
        pending.notice("b", stamp: 2)
        // The check of a and b began at 2; then a changed again (3) while it was read.
        pending.notice("a", stamp: 3)
        pending.checked(["a", "b"], ticket: 2)
        #expect(pending.files == ["a": 3])
        #expect(pending.count == 1)
        pending.checked(["a"], ticket: 3)
        #expect(pending.isEmpty)
    }

    @Test func aWholeModelCheckSettlesEverythingBeforeIt() {
        var pending = PendingChecks()
        pending.notice(nil, stamp: 1)
        pending.notice("a", stamp: 2)
        pending.notice("b", stamp: 4)
        #expect(pending.count == 3)
        pending.checkedAll(ticket: 3)
        #expect(pending.whole == nil)
        #expect(pending.files == ["b": 4])
    }

    @Test func leasesEndOnceAndWithTheirConnection() {
        var book = LeaseBook()
        let first = book.grant(model: "m", repo: "o/m", commit: "c1", connection: 1)
        let second = book.grant(model: "m", repo: "o/m", commit: "c2", connection: 2)
        _ = book.grant(model: "other", repo: "o/other", commit: "c3", connection: 1)
        #expect(first.id != second.id)
        #expect(book.count(on: "m") == 2)
        #expect(book.endAll(heldBy: 1).map(\.model).sorted() == ["m", "other"])
        #expect(book.end(first.id) == nil, "it ended with its connection")
        #expect(book.end(second.id) == second)
        #expect(book.count(on: "m") == 0)
    }
}
