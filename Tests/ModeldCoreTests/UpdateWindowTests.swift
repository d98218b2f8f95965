import Testing

@testable import ModeldCore

@Suite struct UpdateWindowTests {
    @Test func aWindowHoldsFromItsStartToBeforeItsEndAcrossMidnightToo() throws {
        let night = try #require(UpdateWindow("02:00-05:00"))
        #expect(night.contains(minuteOfDay: 120) && night.contains(minuteOfDay: 299))
        #expect(!night.contains(minuteOfDay: 300) && !night.contains(minuteOfDay: 119))
        let late = try #require(UpdateWindow("22:30-04:00"))
        #expect(late.contains(minuteOfDay: 23 * 60) && late.contains(minuteOfDay: 60) && !late.contains(minuteOfDay: 12 * 60))
        #expect(late.text == "22:30-04:00")
        #expect(try #require(UpdateWindow("")).contains(minuteOfDay: 700))
    }

    @Test(arguments: ["2:00-05:00", "02:00", "02:00-02:00", "24:00-01:00", "02:60-03:00", "02:00-05:00-06:00", "aa:bb-cc:dd"])
    func aMalformedWindowIsRefused(_ text: String) {
        #expect(UpdateWindow(text) == nil)
    }
}
