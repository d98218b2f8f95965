import Foundation

/// Durations, dates and ages as `modelctl usage` writes them: short enough for a table
/// column, in the client's own zone.
extension UsageText {
    /// `850ms`, `4.2s`, `42s`, `1m32s`, `2h05m`, `3d04h`: the two largest units, without
    /// spaces, so a duration stays one table cell.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        // Clamped: a wild figure from a client must not trap the conversion.
        let seconds = min(seconds, 1e12)
        let millis = Int((seconds * 1000).rounded())
        if millis < 1000 { return "\(millis)ms" }
        let tenths = Int((seconds * 10).rounded())
        if tenths < 100 { return "\(tenths / 10).\(tenths % 10)s" }
        let s = Int(seconds.rounded())
        switch s {
        case ..<60: return "\(s)s"
        case ..<3600: return "\(s / 60)m\(twoDigits(s % 60))s"
        case ..<86400: return "\(s / 3600)h\(twoDigits(s / 60 % 60))m"
        default: return "\(s / 86400)d\(twoDigits(s / 3600 % 24))h"
        }
    }

    /// `just now`, `5m ago`, `3h ago`, `3d ago`: the largest whole unit. A time ahead of
    /// `now` (clocks apart) is `just now`.
    static func age(of date: Date, now: Date) -> String {
        let seconds = now.timeIntervalSince(date)
        guard seconds.isFinite, seconds >= 60 else { return "just now" }
        let s = Int(min(seconds, 1e12))
        switch s {
        case ..<3600: return "\(s / 60)m ago"
        case ..<86400: return "\(s / 3600)h ago"
        default: return "\(s / 86400)d ago"
        }
    }

    /// `2026-12-01 (2d ago)`, the day in the client's zone; `never`.
    static func lastUsed(_ date: Date?, now: Date, utcOffset: Int) -> String {
        guard let date else { return "never" }
        return "\(localTime(date, utcOffset: utcOffset, withTime: false)) (\(age(of: date, now: now)))"
    }

    /// `2026-12-01 09:58` (or the day alone) in the zone `utcOffset` seconds east of UTC.
    static func localTime(_ date: Date, utcOffset: Int, withTime: Bool = true) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: utcOffset) ?? .gmt
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let day = "\(parts.year ?? 0)-\(twoDigits(parts.month ?? 0))-\(twoDigits(parts.day ?? 0))"
        return withTime ? day + " \(twoDigits(parts.hour ?? 0)):\(twoDigits(parts.minute ?? 0))" : day
    }

    static func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
