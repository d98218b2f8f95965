/// `[updates]`: how new revisions are found and applied.
public struct UpdateSettings: Sendable, Equatable {
    public var checkEvery = TimeSpan.seconds(12 * 3600)
    public var policy = UpdatePolicy.notify
    public var window = UpdateWindow.anyTime
    public var keepPrevious = TimeSpan.seconds(7 * 86_400)
    /// A replaced revision also goes once generations succeeded this often on the one that
    /// replaced it (0: only `keep_previous` counts).
    public var keepUntilSuccesses = 0
    /// Switch back by itself when generations on the new revision fail.
    public var autoRollback = true

    public init() {}
}

extension UpdateSettings: Codable {
    enum CodingKeys: String, CodingKey {
        case checkEvery = "check_every", policy, window, keepPrevious = "keep_previous", keepUntilSuccesses = "keep_until_successes"
        case autoRollback = "auto_rollback"
    }

    public init(from decoder: any Decoder) throws {
        let below = decoder.configBelow.updates
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // At least a second: a smaller period would ask the hub without pause.
        checkEvery = try c.decode(.checkEvery, or: below.checkEvery, in: .seconds(1)...TimeSpan.seconds(366 * 86_400))
        policy = try c.decode(.policy, or: below.policy)
        window = try c.decode(.window, or: below.window)
        keepPrevious = try c.decode(.keepPrevious, or: below.keepPrevious)
        keepUntilSuccesses = try c.decode(.keepUntilSuccesses, or: below.keepUntilSuccesses, in: 0...1_000_000)
        autoRollback = try c.decode(.autoRollback, or: below.autoRollback)
    }
}
