import ModeldCore
import Testing

@Suite struct MetricsSettingsTests {
    func decode(_ text: String) throws(ConfigError) -> ModeldConfig {
        try ConfigLayers.decode([.init(name: "modeld.toml", text: text)], over: ModeldConfig())
    }

    @Test func offByDefault() throws {
        let metrics = try decode("").metrics
        #expect(metrics.listen == "" && metrics.listenAddress == nil)
        #expect(metrics.textfile == "" && metrics.textfileInterval == .seconds(15))
    }

    @Test func listenAddressesOfBothFamilies() throws {
        let v4 = try ListenAddress(parsing: "127.0.0.1:9464")
        #expect(v4.host == "127.0.0.1" && v4.port == 9464 && v4.family == .ipv4)
        #expect(try ListenAddress(parsing: "0.0.0.0:0").port == 0)
        let v6 = try ListenAddress(parsing: "[::1]:9464")
        #expect(v6.host == "::1" && v6.port == 9464 && v6.family == .ipv6)
        #expect(try ListenAddress(parsing: "[::]:9464").host == "::")
        #expect(try ListenAddress(parsing: "[fe80::1:2:3:4]:1").family == .ipv6)
        #expect(try ListenAddress(parsing: "[::ffff:10.0.0.1]:80").family == .ipv6)
        #expect(try ListenAddress(parsing: "[1:2:3:4:5:6:7:8]:80").description == "[1:2:3:4:5:6:7:8]:80")
        #expect(try ListenAddress(parsing: "10.1.2.3:9464").description == "10.1.2.3:9464")
    }

    @Test func whatIsNoListenAddressSaysWhy() {
        for (text, reason) in [
            ("9464", "has no port"), ("localhost:9464", "is not an IP address"), (":9464", "names no address"),
            ("127.0.0.1:65536", "is not a port"), ("127.0.0.1:", "is not a port"), ("127.0.0.1:http", "is not a port"),
            ("256.0.0.1:9464", "is not an IP address"), ("127.0.0.01:9464", "is not an IP address"), ("1.2.3:9464", "is not an IP address"),
            ("[::1:9464", "is not an IP address"), ("[1::2::3]:9464", "is not an IPv6 address"), ("[12345::]:1", "is not an IPv6 address"),
            ("[1:2:3:4:5:6:7:8:9]:1", "is not an IPv6 address"), ("[1:2:3:4:5:6:7]:1", "is not an IPv6 address"),
            ("[::1.2.3]:1", "is not an IPv6 address"), ("[１::]:1", "is not an IPv6 address"),
        ] {
            #expect(throws: ListenAddress.Problem.self, "\(text)") { try ListenAddress(parsing: text) }
            do {
                _ = try ListenAddress(parsing: text)
            } catch {
                #expect(error.description.contains(reason) && error.description.contains("127.0.0.1:9464"), "\(text): \(error)")
            }
        }
    }

    @Test func keysAreCheckedWithFileLineAndKey() throws {
        let set = try decode("[metrics]\nlisten = \"[::1]:9464\"\ntextfile = \"/var/lib/prometheus/node-exporter/modeld.prom\"\ntextfile_interval = \"1m\"\n")
        #expect(set.metrics.listenAddress?.port == 9464 && set.metrics.textfileInterval == .seconds(60))
        for (text, expected) in [
            ("[metrics]\nlisten = \"localhost:9464\"\n", "modeld.toml:2: metrics.listen: \"localhost\" is not an IP address"),
            ("[metrics]\n\ntextfile = \"/tmp/modeld.txt\"\n", "modeld.toml:3: metrics.textfile: \"/tmp/modeld.txt\" must name a file ending in .prom"),
            ("[metrics]\ntextfile = \"/tmp/.prom\"\n", "modeld.toml:2: metrics.textfile: \"/tmp/.prom\" must name a file ending in .prom"),
            ("[metrics]\ntextfile_interval = \"100ms\"\n", "modeld.toml:2: metrics.textfile_interval: must be from 1s to 1h, got 100ms"),
            ("[metrics]\nport = 9464\n", "modeld.toml:2: metrics.port: unknown key"),
        ] {
            #expect(throws: ConfigError.self) { try decode(text) }
            do {
                _ = try decode(text)
            } catch {
                #expect(error.description.hasPrefix(expected), "\(error)")
            }
        }
    }

    @Test func aRelativeTextfileIsMadeAbsoluteAndChangesAreNamed() throws {
        var config = try decode("[metrics]\ntextfile = \"run/modeld.prom\"\n")
        #expect(config.absolutized(against: "/srv/modeld").metrics.textfile == "/srv/modeld/run/modeld.prom")
        let before = config
        config.metrics.listen = "127.0.0.1:9464"
        #expect(ConfigDiff.changedKeys(from: before, to: config) == ["metrics.listen"])
    }
}
