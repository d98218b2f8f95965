/// `[downloads]`: how hard and how fast to fetch.
public struct DownloadSettings: Sendable, Equatable {
    public var maxRetries = 3
    public var backoffInitial = TimeSpan.seconds(1)
    public var backoffMax = TimeSpan.seconds(60)
    public var concurrentFiles = 2
    /// Connections a large file starts with…
    public var connectionsPerFile = 4
    /// …and how many it may grow to while each added one still raises its throughput (a
    /// CDN that caps each connection); never fewer than `connectionsPerFile`.
    public var maxConnectionsPerFile = 16
    public var bytesPerSecond = ByteSize(0)
    public var stallTimeout = TimeSpan.seconds(30)

    public init() {}
}

extension DownloadSettings: Codable {
    enum CodingKeys: String, CodingKey {
        case maxRetries = "max_retries", backoffInitial = "backoff_initial", backoffMax = "backoff_max"
        case concurrentFiles = "concurrent_files", connectionsPerFile = "connections_per_file"
        case maxConnectionsPerFile = "max_connections_per_file"
        case bytesPerSecond = "bytes_per_s", stallTimeout = "stall_timeout"
    }

    public init(from decoder: any Decoder) throws {
        let below = decoder.configBelow.downloads
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxRetries = try c.decode(.maxRetries, or: below.maxRetries, in: 0...100)
        backoffInitial = try c.decode(.backoffInitial, or: below.backoffInitial)
        backoffMax = try c.decode(.backoffMax, or: below.backoffMax)
        concurrentFiles = try c.decode(.concurrentFiles, or: below.concurrentFiles, in: 1...64)
        connectionsPerFile = try c.decode(.connectionsPerFile, or: below.connectionsPerFile, in: 1...32)
        maxConnectionsPerFile = max(connectionsPerFile, try c.decode(.maxConnectionsPerFile, or: below.maxConnectionsPerFile, in: 1...64))
        bytesPerSecond = try c.decode(.bytesPerSecond, or: below.bytesPerSecond)
        stallTimeout = try c.decode(.stallTimeout, or: below.stallTimeout, in: .seconds(1)...TimeSpan.seconds(3600))
    }
}
