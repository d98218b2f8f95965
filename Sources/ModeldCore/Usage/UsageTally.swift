import Foundation

/// The little a model's status says about its use (`uses`, `uses_per_day`, `last_used`),
/// kept in memory so `status` never reads the ledger: loaded from the days at start,
/// then counted as uses are recorded.
public struct UsageTally: Sendable, Equatable {
    /// Every use the ledger knows of.
    public private(set) var uses = 0
    public private(set) var lastUsed: Date?
    /// Uses per UTC day, for the days `usesPerDay` may still look at.
    private var perDay: [String: Int] = [:]

    /// The days `usesPerDay` averages over, today included.
    public static let window = 30

    public init() {}

    /// From the model's stored days (any order).
    public init(days: [UsageDay]) {
        for day in days {
            uses += day.uses
            perDay[day.day, default: 0] += day.uses
            if let last = day.lastUsed, last > (lastUsed ?? .distantPast) { lastUsed = last }
        }
    }

    public mutating func count(useAt date: Date) {
        uses += 1
        let day = UsageDay.day(of: date)
        perDay[day, default: 0] += 1
        if date > (lastUsed ?? .distantPast) { lastUsed = date }
        // Days before any window that can still come are dropped, so the tally stays small.
        let oldest = UsageDay.firstDay(ofLast: Self.window, endingWith: day)
        perDay = perDay.filter { $0.key >= oldest }
    }

    /// Uses per day over the `window` days ending `today` (`YYYY-MM-DD`).
    public func usesPerDay(today: String) -> Double {
        let first = UsageDay.firstDay(ofLast: Self.window, endingWith: today)
        let recent = perDay.filter { $0.key >= first && $0.key <= today }.values.reduce(0, +)
        return Double(recent) / Double(Self.window)
    }
}
