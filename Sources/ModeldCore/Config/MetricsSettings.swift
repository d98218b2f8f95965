/// `[metrics]`: where Prometheus finds the daemon's metrics besides the `metrics` command.
/// Both ways are off by default: the daemon opens no TCP port and writes no file unasked.
public struct MetricsSettings: Sendable, Equatable {
    /// `"127.0.0.1:9464"`: `GET /metrics` over HTTP there. `""`: off.
    public var listen = ""
    /// A node_exporter textfile-collector file, `…/modeld.prom`, rewritten whole every
    /// `textfileInterval` and once at stop. `""`: off.
    public var textfile = ""
    public var textfileInterval = TimeSpan.seconds(15)

    public init() {}

    /// `listen` parsed, or nil when off (`listen` was checked when the config was read).
    public var listenAddress: ListenAddress? { listen.isEmpty ? nil : try? ListenAddress(parsing: listen) }
}

extension MetricsSettings: Codable {
    enum CodingKeys: String, CodingKey {
        case listen, textfile, textfileInterval = "textfile_interval"
    }

    public init(from decoder: any Decoder) throws {
        let below = decoder.configBelow.metrics
        let c = try decoder.container(keyedBy: CodingKeys.self)
        listen = try c.decode(.listen, or: below.listen)
        textfile = try c.decode(.textfile, or: below.textfile)
        // Under a second the file would be rewritten faster than node_exporter reads it.
        textfileInterval = try c.decode(.textfileInterval, or: below.textfileInterval, in: .seconds(1)...TimeSpan.seconds(3600))
        if !listen.isEmpty {
            do {
                _ = try ListenAddress(parsing: listen)
            } catch {
                throw DecodingError.dataCorruptedError(forKey: .listen, in: c, debugDescription: error.description)
            }
        }
        // node_exporter's textfile collector reads only `*.prom` in its directory.
        if !textfile.isEmpty && (!textfile.hasSuffix(".prom") || textfile.hasSuffix("/.prom")) {
            throw DecodingError.dataCorruptedError(
                forKey: .textfile, in: c,
                debugDescription: "\"\(textfile)\" must name a file ending in .prom (node_exporter reads only those), like \"/var/lib/prometheus/node-exporter/modeld.prom\"")
        }
    }
}
