/// `[disk]`: what downloads never fill, and when to warn.
public struct DiskSettings: Sendable, Equatable {
    public var reserve = ByteSize(5 << 30)
    public var warnBelow = ByteSize(50 << 30)

    public init() {}
}

extension DiskSettings: Codable {
    enum CodingKeys: String, CodingKey {
        case reserve, warnBelow = "warn_below"
    }

    public init(from decoder: any Decoder) throws {
        let below = decoder.configBelow.disk
        let c = try decoder.container(keyedBy: CodingKeys.self)
        reserve = try c.decode(.reserve, or: below.reserve)
        warnBelow = try c.decode(.warnBelow, or: below.warnBelow)
    }
}
