import Foundation

/// A duration written in config as `"500ms"`, `"30s"`, `"5m"`, `"12h"`, `"7d"`
/// (or a plain number of seconds).
public struct TimeSpan: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    /// Saturates instead of trapping: a config value can be any integer.
    public static func seconds(_ s: Int64) -> TimeSpan {
        let (millis, overflow) = s.multipliedReportingOverflow(by: 1000)
        return TimeSpan(milliseconds: overflow ? Int64.max : millis)
    }

    private static let units: [(suffix: String, millis: Int64)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]

    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // "ms" before "s" and "m": the longest suffix that matches wins.
        let unit = Self.units.filter { trimmed.hasSuffix($0.suffix) }.max { $0.suffix.count < $1.suffix.count }
        let number = trimmed.dropLast(unit?.suffix.count ?? 0)
        guard let value = Double(number), value >= 0, value.isFinite else { return nil }
        let millis = value * Double(unit?.millis ?? 1000)
        guard millis < Double(Int64.max) else { return nil }
        self.milliseconds = Int64(millis)
    }

    public var duration: Duration { .milliseconds(milliseconds) }
    public var seconds: Double { Double(milliseconds) / 1000 }

    public static func < (a: TimeSpan, b: TimeSpan) -> Bool { a.milliseconds < b.milliseconds }

    public var description: String {
        for unit in Self.units.reversed() where milliseconds >= unit.millis && milliseconds % unit.millis == 0 {
            return "\(milliseconds / unit.millis)\(unit.suffix)"
        }
        return "\(milliseconds)ms"
    }
}

extension TimeSpan: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let seconds = try? container.decode(Int64.self), seconds >= 0 {
            self = .seconds(seconds)
            return
        }
        let text = try container.decode(String.self)
        guard let parsed = TimeSpan(parsing: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "\"\(text)\" is not a duration; write it like \"500ms\", \"30s\", \"5m\", \"12h\" or \"7d\"")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
