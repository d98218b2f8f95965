/// `[updates] window`: the local hours when `policy = "auto"` may apply an update,
/// written `"02:00-05:00"`; a window may cross midnight (`"22:00-04:00"`). Empty: any time.
public struct UpdateWindow: Sendable, Equatable {
    /// Minutes after local midnight; nil: no window, any time.
    public var start: Int?
    public var end: Int?

    public static let anyTime = UpdateWindow(start: nil, end: nil)

    /// Parses `text`; nil for a malformed window.
    public init?(_ text: String) {
        guard !text.isEmpty else {
            self = .anyTime
            return
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Self.minutes(parts[0]), let end = Self.minutes(parts[1]), start != end else { return nil }
        (self.start, self.end) = (start, end)
    }

    private init(start: Int?, end: Int?) {
        (self.start, self.end) = (start, end)
    }

    /// Whether `minute` (after local midnight) lies in the window: from `start`, before `end`.
    public func contains(minuteOfDay minute: Int) -> Bool {
        guard let start, let end else { return true }
        return start < end ? (start..<end).contains(minute) : minute >= start || minute < end
    }

    public var text: String {
        guard let start, let end else { return "" }
        func clock(_ minutes: Int) -> String {
            let (hours, rest) = minutes.quotientAndRemainder(dividingBy: 60)
            return (hours < 10 ? "0" : "") + "\(hours):" + (rest < 10 ? "0" : "") + "\(rest)"
        }
        return clock(start) + "-" + clock(end)
    }

    /// `HH:MM`, 00:00 to 23:59.
    private static func minutes(_ text: Substring) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
            let hours = Int(parts[0]), let minutes = Int(parts[1]), (0..<24).contains(hours), (0..<60).contains(minutes)
        else { return nil }
        return hours * 60 + minutes
    }
}

extension UpdateWindow: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let window = UpdateWindow(text) else {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: "\"\(text)\" is not a window; write it as \"02:00-05:00\" (local time), or \"\" for any time"))
        }
        self = window
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
