/// One line of `modelctl doctor`: what was checked, how it stands, what was seen, and
/// the next step when it is not ok.
public struct DoctorCheck: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, Comparable {
        case ok, warn, fail

        private var rank: Int {
            switch self {
            case .ok: 0
            case .warn: 1
            case .fail: 2
            }
        }

        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
    }

    /// A stable name scripts can match: `store_writable`, `disk`, `hub`, `token`, …
    public var name: String
    public var status: Status
    public var detail: String
    /// A command to run or a config key to set; nil when nothing needs doing.
    public var fix: String?

    public init(_ name: String, _ status: Status, _ detail: String, fix: String? = nil) {
        self.name = name
        self.status = status
        self.detail = detail
        self.fix = fix
    }
}
