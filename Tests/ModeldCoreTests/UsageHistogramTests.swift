import Foundation
import Testing

@testable import ModeldCore

@Suite struct UsageHistogramTests {
    private static func histogram(_ values: [Double]) -> DurationHistogram {
        var histogram = DurationHistogram()
        for value in values { histogram.add(value) }
        return histogram
    }

    @Test func percentilesOfUniformDataAreWithinTheResolution() throws {
        let histogram = Self.histogram((1...100).map(Double.init))
        #expect(histogram.count == 100)
        let p50 = try #require(histogram.percentile(0.5))
        let p95 = try #require(histogram.percentile(0.95))
        #expect(abs(p50 - 50) / 50 <= 0.1)
        #expect(abs(p95 - 95) / 95 <= 0.1)
    }

    @Test func aSingleDurationComesBackWithinAnEighthOfAnOctave() throws {
        let limit = pow(2, 0.125) * (1 + 1e-9)
        var seconds = 0.0101
        while seconds < 330_000 {
            let answer = try #require(Self.histogram([seconds]).percentile(0.5))
            #expect(max(answer / seconds, seconds / answer) <= limit, "\(seconds) s read back as \(answer) s")
            seconds *= 1.07
        }
        #expect(DurationHistogram.resolution > 0.18 && DurationHistogram.resolution < 0.19)
    }

    @Test func emptyHasNoPercentile() {
        #expect(DurationHistogram().percentile(0.5) == nil)
        #expect(DurationHistogram().count == 0)
    }

    @Test func theExtremesGoToTheEndBucketsAndNaNIsLeftOut() {
        let histogram = Self.histogram([0, -3, 0.001, 1e12, .infinity, .nan])
        #expect(histogram.count == 5)
        #expect(histogram.text == "0:3,99:2")
    }

    @Test func mergingEqualsAddingEverything() {
        let first = [0.5, 2, 2.1, 40, 41, 900]
        let second = [2, 3.3, 40, 7200]
        var merged = Self.histogram(first)
        merged.merge(Self.histogram(second))
        #expect(merged == Self.histogram(first + second))
        #expect(merged.count == 10)
    }

    @Test func theTextFormRoundTrips() throws {
        let histogram = Self.histogram([0.01, 1, 1, 45, 45, 45])
        #expect(histogram.text == "0:1,26:2,48:3")
        #expect(DurationHistogram(text: histogram.text) == histogram)
        #expect(DurationHistogram(text: "") == DurationHistogram())
        let json = try JSONEncoder().encode(histogram)
        #expect(String(decoding: json, as: UTF8.self) == "\"0:1,26:2,48:3\"")
        #expect(try JSONDecoder().decode(DurationHistogram.self, from: json) == histogram)
    }

    @Test(arguments: ["12", "12:", ":3", "a:1", "12:0", "12:-1", "100:1", "-1:1", "12:1,12:2", "12:1,", ",", "12:1;13:2", "1:2:3"])
    func malformedTextIsRefused(_ text: String) {
        #expect(DurationHistogram(text: text) == nil)
    }

    @Test func malformedJSONIsADecodingError() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(DurationHistogram.self, from: Data("\"12\"".utf8)) }
    }
}
