import Foundation

/// Days are UTC and Gregorian whatever the machine's locale and time zone, so a row's day
/// means the same on every host and after a time-zone change.
extension UsageDay {
    /// `YYYY-MM-DD` of the UTC day `date` falls on.
    public static func day(of date: Date) -> String {
        let parts = utc.dateComponents([.year, .month, .day], from: date)
        return text(year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0)
    }

    /// The UTC hour, 0…23.
    public static func hour(of date: Date) -> Int {
        utc.component(.hour, from: date)
    }

    /// Midnight UTC starting `day`; nil unless it is a real `YYYY-MM-DD` (`2026-02-30` is not).
    public static func start(of day: String) -> Date? {
        let fields = day.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 3, fields[0].count == 4, fields[1].count == 2, fields[2].count == 2,
            let year = Int(fields[0]), let month = Int(fields[1]), let dayOfMonth = Int(fields[2]),
            let date = utc.date(from: DateComponents(year: year, month: month, day: dayOfMonth)),
            Self.day(of: date) == day
        else { return nil }
        return date
    }

    /// The `count` consecutive days ending with `last`, oldest first; empty when `last` is
    /// not a day.
    public static func days(endingWith last: String, count: Int) -> [String] {
        guard let end = start(of: last) else { return [] }
        return (0..<max(count, 0)).reversed().compactMap { back in
            utc.date(byAdding: .day, value: -back, to: end).map { day(of: $0) }
        }
    }

    /// The first of the `count` days ending with `last` (today when not given): where a
    /// window of that many days begins. `last` itself when it is not a day.
    public static func firstDay(ofLast count: Int, endingWith last: String = day(of: Date())) -> String {
        days(endingWith: last, count: max(count, 1)).first ?? last
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        calendar.locale = Locale(identifier: "en_US_POSIX")
        return calendar
    }()

    private static func text(year: Int, month: Int, day: Int) -> String {
        func padded(_ number: Int, _ width: Int) -> String {
            let digits = String(number)
            return String(repeating: "0", count: max(width - digits.count, 0)) + digits
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
    }
}
