/// `[daemon]`: where things live, who may connect and who may administer the daemon.
public struct DaemonSettings: Sendable, Equatable {
    public var storeDir = "/var/lib/modeld/hub"
    public var linksDir = "/var/lib/modeld/models"
    public var stateDir = "/var/lib/modeld"
    public var socket = "/run/modeld/modeld.sock"
    public var socketMode = FileMode(0o660)
    /// The socket file's group: its members may connect (read and use commands).
    public var socketGroup = "modeld"
    /// Its members may also run admin commands (root and the daemon's own user always may).
    public var adminGroup = "modeld-admin"
    /// A control connection that sent nothing for this long, with no request in flight
    /// and no subscription, is closed. 0: never.
    public var idleTimeout = TimeSpan.seconds(600)
    /// Control connections open at once; more are told so and closed.
    public var maxConnections = 1024
    public var logLevel = LogLevel.info

    public init() {}
}

extension DaemonSettings: Codable {
    enum CodingKeys: String, CodingKey {
        case storeDir = "store_dir", linksDir = "links_dir", stateDir = "state_dir", socket
        case socketMode = "socket_mode", socketGroup = "socket_group", adminGroup = "admin_group"
        case idleTimeout = "idle_timeout", maxConnections = "max_connections", logLevel = "log_level"
    }

    public init(from decoder: any Decoder) throws {
        let below = decoder.configBelow.daemon
        let c = try decoder.container(keyedBy: CodingKeys.self)
        storeDir = try c.decode(.storeDir, or: below.storeDir)
        linksDir = try c.decode(.linksDir, or: below.linksDir)
        stateDir = try c.decode(.stateDir, or: below.stateDir)
        socket = try c.decode(.socket, or: below.socket)
        socketMode = try c.decode(.socketMode, or: below.socketMode)
        socketGroup = try c.decode(.socketGroup, or: below.socketGroup)
        adminGroup = try c.decode(.adminGroup, or: below.adminGroup)
        idleTimeout = try c.decode(.idleTimeout, or: below.idleTimeout)
        maxConnections = try c.decode(.maxConnections, or: below.maxConnections, in: 1...65_536)
        logLevel = try c.decode(.logLevel, or: below.logLevel)
        for (key, text) in [
            (CodingKeys.storeDir, storeDir), (.linksDir, linksDir), (.stateDir, stateDir), (.socket, socket),
            (.socketGroup, socketGroup), (.adminGroup, adminGroup),
        ] where text.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must not be empty")
        }
    }
}
