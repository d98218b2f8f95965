import Foundation

/// One model's usage on one UTC day: the row the ledger keeps forever once the raw rows
/// are gone, and all `usage` reads, so answering stays fast however many reports there
/// were. Every figure is a count or a sum (the percentiles live in histograms), so days
/// merge into weeks, and one model's days into all models', by adding.
///
/// The caller files each sample into the row of its model and of `UsageDay.day(of: at)`.
public struct UsageDay: Codable, Sendable, Equatable {
    /// `YYYY-MM-DD`, UTC.
    public var day: String
    public var model: String

    public var uses = 0
    public var successes = 0
    public var failures = 0
    /// Total and histogram of the uses that gave a duration.
    public var durationSum: Double = 0
    public var durations = DurationHistogram()
    /// Total and histogram of the uses that gave seconds per step (their count is the
    /// histogram's).
    public var secondsPerStepSum: Double = 0
    public var secondsPerStep = DurationHistogram()
    /// Uses in each UTC hour, 0…23.
    public var hours = Array(repeating: 0, count: UsageDay.hoursPerDay)
    public var lastUsed: Date?

    public var acquires = 0
    /// Seconds `acquire` callers waited for their answers, together.
    public var waitSum: Double = 0
    /// Acquires answered `mock_generation`.
    public var mockFallbacks = 0
    public var suggests = 0

    public var downloads = 0
    public var downloadBytes: Int64 = 0
    public var downloadSeconds: Double = 0
    public var downloadRetries = 0
    public var verifications = 0
    public var verifyBytes: Int64 = 0
    public var verifySeconds: Double = 0

    public static let hoursPerDay = 24

    public init(day: String, model: String) {
        self.day = day
        self.model = model
    }

    /// Uses whose outcome the service did not tell.
    public var unknownOutcomes: Int { uses - successes - failures }

    public mutating func record(_ use: UseSample) {
        uses += 1
        switch use.success {
        case true?: successes += 1
        case false?: failures += 1
        case nil: break
        }
        if let duration = use.durationSeconds, duration.isFinite, duration >= 0 {
            durationSum += duration
            durations.add(duration)
        }
        if let perStep = use.secondsPerStep, perStep.isFinite, perStep >= 0 {
            secondsPerStepSum += perStep
            secondsPerStep.add(perStep)
        }
        count(1, inHour: Self.hour(of: use.at))
        lastUsed = Self.later(lastUsed, use.at)
    }

    public mutating func record(_ request: RequestSample) {
        switch request.kind {
        case .acquire:
            acquires += 1
            if request.waitedSeconds.isFinite { waitSum += max(request.waitedSeconds, 0) }
            if request.isMockFallback { mockFallbacks += 1 }
        case .suggest:
            suggests += 1
        }
    }

    public mutating func record(_ work: WorkSample) {
        let seconds = work.seconds.isFinite ? max(work.seconds, 0) : 0
        switch work.kind {
        case .download:
            downloads += 1
            downloadBytes += max(work.bytes, 0)
            downloadSeconds += seconds
            downloadRetries += max(work.retries, 0)
        case .verify:
            verifications += 1
            verifyBytes += max(work.bytes, 0)
            verifySeconds += seconds
        }
    }

    /// Adds `other`'s figures to these. The day and the model stay this row's: merging
    /// two rows of the same model and day, a model's days into a week, or every model's
    /// rows into a total are all the same sum.
    public mutating func merge(_ other: UsageDay) {
        uses += other.uses
        successes += other.successes
        failures += other.failures
        durationSum += other.durationSum
        durations.merge(other.durations)
        secondsPerStepSum += other.secondsPerStepSum
        secondsPerStep.merge(other.secondsPerStep)
        for (hour, number) in other.hours.enumerated() { count(number, inHour: hour) }
        if let otherLastUse = other.lastUsed { lastUsed = Self.later(lastUsed, otherLastUse) }
        acquires += other.acquires
        waitSum += other.waitSum
        mockFallbacks += other.mockFallbacks
        suggests += other.suggests
        downloads += other.downloads
        downloadBytes += other.downloadBytes
        downloadSeconds += other.downloadSeconds
        downloadRetries += other.downloadRetries
        verifications += other.verifications
        verifyBytes += other.verifyBytes
        verifySeconds += other.verifySeconds
    }

    /// A row decoded with fewer than 24 hours (damaged, or written by hand) is padded
    /// first, and an hour outside the day is dropped, so a bad row never traps the daemon.
    private mutating func count(_ number: Int, inHour hour: Int) {
        if hours.count < Self.hoursPerDay { hours += Array(repeating: 0, count: Self.hoursPerDay - hours.count) }
        guard (0..<Self.hoursPerDay).contains(hour) else { return }
        hours[hour] += number
    }

    private static func later(_ a: Date?, _ b: Date) -> Date {
        a.map { max($0, b) } ?? b
    }
}
