/// `[verify]`: how files are checked.
public struct VerifySettings: Sendable, Equatable {
    public var chunkSize = ByteSize(16 << 20)
    public var onStart = StartupVerification.stat
    public var scrubEvery = TimeSpan.seconds(7 * 86_400)
    public var quietPeriod = TimeSpan(milliseconds: 500)
    /// Fetch what a check finds damaged, or lost from a model that was whole, without
    /// being asked (only the damaged ranges and the lost files move).
    public var autoRepair = true

    public init() {}
}

extension VerifySettings: Codable {
    enum CodingKeys: String, CodingKey {
        case chunkSize = "chunk_size", onStart = "on_start", scrubEvery = "scrub_every", quietPeriod = "quiet_period"
        case autoRepair = "auto_repair"
    }

    public init(from decoder: any Decoder) throws {
        let below = decoder.configBelow.verify
        let c = try decoder.container(keyedBy: CodingKeys.self)
        chunkSize = try c.decode(.chunkSize, or: below.chunkSize, in: ByteSize(64 << 10)...ByteSize(1 << 30))
        onStart = try c.decode(.onStart, or: below.onStart)
        scrubEvery = try c.decode(.scrubEvery, or: below.scrubEvery, in: .seconds(1)...TimeSpan.seconds(3650 * 86_400))
        quietPeriod = try c.decode(.quietPeriod, or: below.quietPeriod)
        autoRepair = try c.decode(.autoRepair, or: below.autoRepair)
    }
}
