/// `[daemon]`: where things live and who may administer the daemon.
public struct DaemonSettings: Sendable, Equatable {
    public var storeDir = "/var/lib/modeld/hub"
    public var linksDir = "/var/lib/modeld/models"
    public var stateDir = "/var/lib/modeld"
    public var socket = "/run/modeld/modeld.sock"
    public var socketMode = FileMode(0o660)
    public var adminGroup = "modeld"
    public var logLevel = LogLevel.info

    public init() {}
}

extension DaemonSettings: Codable {
    enum CodingKeys: String, CodingKey {
        case storeDir = "store_dir", linksDir = "links_dir", stateDir = "state_dir", socket
        case socketMode = "socket_mode", adminGroup = "admin_group", logLevel = "log_level"
    }

    public init(from decoder: any Decoder) throws {
        let below = decoder.configBelow.daemon
        let c = try decoder.container(keyedBy: CodingKeys.self)
        storeDir = try c.decode(.storeDir, or: below.storeDir)
        linksDir = try c.decode(.linksDir, or: below.linksDir)
        stateDir = try c.decode(.stateDir, or: below.stateDir)
        socket = try c.decode(.socket, or: below.socket)
        socketMode = try c.decode(.socketMode, or: below.socketMode)
        adminGroup = try c.decode(.adminGroup, or: below.adminGroup)
        logLevel = try c.decode(.logLevel, or: below.logLevel)
        for (key, path) in [(CodingKeys.storeDir, storeDir), (.linksDir, linksDir), (.stateDir, stateDir), (.socket, socket)]
        where path.isEmpty {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must not be empty")
        }
    }
}
