/// `[updates]`: how new revisions are found and applied.
public struct UpdateSettings: Sendable, Equatable {
    public var checkEvery = TimeSpan.seconds(12 * 3600)
    public var policy = UpdatePolicy.notify
    public var keepPrevious = TimeSpan.seconds(7 * 86_400)

    public init() {}
}

extension UpdateSettings: Codable {
    enum CodingKeys: String, CodingKey {
        case checkEvery = "check_every", policy, keepPrevious = "keep_previous"
    }

    public init(from decoder: any Decoder) throws {
        let below = decoder.configBelow.updates
        let c = try decoder.container(keyedBy: CodingKeys.self)
        checkEvery = try c.decode(.checkEvery, or: below.checkEvery)
        policy = try c.decode(.policy, or: below.policy)
        keepPrevious = try c.decode(.keepPrevious, or: below.keepPrevious)
    }
}
