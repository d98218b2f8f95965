/// `[updates]`: how new revisions are found and applied.
public struct UpdateSettings: Sendable, Equatable {
    public var checkEvery = TimeSpan.seconds(12 * 3600)
    public var policy = UpdatePolicy.notify
    public var window = UpdateWindow.anyTime
    public var keepPrevious = TimeSpan.seconds(7 * 86_400)
    /// Switch back by itself when generations on the new revision fail.
    public var autoRollback = true

    public init() {}
}

extension UpdateSettings: Codable {
    enum CodingKeys: String, CodingKey {
        case checkEvery = "check_every", policy, window, keepPrevious = "keep_previous", autoRollback = "auto_rollback"
    }

    public init(from decoder: any Decoder) throws {
        let below = decoder.configBelow.updates
        let c = try decoder.container(keyedBy: CodingKeys.self)
        checkEvery = try c.decode(.checkEvery, or: below.checkEvery)
        policy = try c.decode(.policy, or: below.policy)
        window = try c.decode(.window, or: below.window)
        keepPrevious = try c.decode(.keepPrevious, or: below.keepPrevious)
        autoRollback = try c.decode(.autoRollback, or: below.autoRollback)
    }
}
