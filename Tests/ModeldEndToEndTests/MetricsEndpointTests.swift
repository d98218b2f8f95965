import Foundation
import ModeldCore
import ModeldLinux
import ModeldProtocol
import ModeldTestSupport
import Testing

/// `[metrics] listen` and `[metrics] textfile` on a real daemon, read by curl and checked by
/// promtool, as Prometheus and node_exporter would read them.
@Suite(.timeLimit(.minutes(10))) struct MetricsEndpointTests {
    static let curl = "/usr/bin/curl"
    static let promtool = "/usr/bin/promtool"

    /// The harness's config with `[metrics]` set.
    static func config(_ metrics: String) -> String { DaemonHarness.standardConfig + "\n[metrics]\n" + metrics + "\n" }

    /// The address the daemon logged for its endpoint (it was asked for port 0).
    static func endpoint(of daemon: DaemonHarness) throws -> String {
        var found: String?
        try waitUntil("the daemon to log its metrics address") {
            let log = daemon.process?.errorOutput ?? ""
            found = log.firstRange(of: #/metrics on (http://127\.0\.0\.1:[0-9]+/metrics)/#).map { String(log[$0].dropFirst("metrics on ".count)) }
            return found != nil
        }
        return try #require(found)
    }

    /// One request with curl: status, headers (lowercased names), body, and the body's
    /// bytes as curl counted them (`-I` writes the headers where the body would go).
    static func fetch(_ url: String, _ options: [String] = [], in directory: TemporaryDirectory) throws -> (
        status: Int, headers: [String: String], body: String, bodyBytes: Int
    ) {
        let run = try ChildProcess.run(
            curl, ["-sS", "--noproxy", "*", "-D", directory.file("headers"), "-o", directory.file("body"), "-w", "%{http_code} %{size_download}"] + options + [url],
            in: directory.path)
        #expect(run.status == 0, "\(run.error)")
        var headers: [String: String] = [:]
        for line in try String(contentsOfFile: directory.file("headers"), encoding: .utf8).split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = (try? String(contentsOfFile: directory.file("body"), encoding: .utf8)) ?? ""
        let figures = run.output.split(separator: " ").compactMap { Int($0) }
        return (figures.first ?? 0, headers, body, figures.last ?? -1)
    }

    /// `promtool check metrics` on `text`: its complaints, or "" when it accepts it.
    static func promtoolComplaints(_ text: String, in directory: TemporaryDirectory) throws -> String {
        try #require(FileManager.default.isExecutableFile(atPath: promtool), "promtool (Debian package prometheus) is needed: make test-deps")
        let file = try directory.write("exposition.prom", text)
        let run = try ChildProcess.run("/bin/sh", ["-c", #"exec "$0" check metrics < "$1""#, promtool, file], in: directory.path)
        return run.status == 0 && run.error.isEmpty && run.output.isEmpty ? "" : "status \(run.status): \(run.output)\(run.error)"
    }

    /// The families an exposition declares (`# TYPE name kind`).
    static func families(_ text: String) -> Set<String> {
        Set(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
    }

    @Test func theEndpointServesWhatTheMetricsCommandShowsAndPromtoolAcceptsIt() throws {
        let daemon = try DaemonHarness(config: Self.config(#"listen = "127.0.0.1:0""#))
        let child = try daemon.startReady()
        try daemon.waitForState("tiny", .missing)
        let url = try Self.endpoint(of: daemon)
        #expect(try Self.listeningTCPSockets(of: child.pid).count == 1, "the endpoint, and nothing else")
        let scratch = try TemporaryDirectory()

        let got = try Self.fetch(url, in: scratch)
        #expect(got.status == 200)
        #expect(got.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(got.headers["content-length"] == "\(got.body.utf8.count)")
        #expect(got.body.contains("modeld_model_state{model=\"tiny\",state=\"missing\"} 1\n"), "\(got.body)")
        #expect(try Self.promtoolComplaints(got.body, in: scratch) == "")
        let command = try daemon.request("metrics").decode(MetricsResult.self).text
        #expect(Self.families(got.body) == Self.families(command))
        #expect(try Self.fetch(url + "?name[]=modeld_models", in: scratch).status == 200, "Prometheus may add a query")

        let head = try Self.fetch(url, ["-I"], in: scratch)
        #expect(head.status == 200 && head.bodyBytes == 0)
        #expect(Int(head.headers["content-length"] ?? "") ?? 0 > 1000, "HEAD tells the body's length")

        let base = String(url.dropLast("/metrics".count))
        for path in ["/", "/metric", "/metrics/extra", "/debug"] {
            #expect(try Self.fetch(base + path, in: scratch).status == 404, "\(path)")
        }
        for method in ["POST", "PUT", "DELETE"] {
            let refused = try Self.fetch(url, ["-X", method], in: scratch)
            #expect(refused.status == 405 && refused.headers["allow"] == "GET, HEAD", "\(method)")
        }
        let huge = try ChildProcess.run(
            Self.curl, ["-sS", "--noproxy", "*", "-o", "/dev/null", "-w", "%{http_code}", "-H", "X-Padding: " + String(repeating: "a", count: 40_000), url],
            in: scratch.path)
        #expect(huge.output != "200", "a request over the limit is not answered as one")
        #expect(try Self.fetch(url, in: scratch).status == 200, "and the endpoint goes on")

        // A new address waits for a restart; until then the endpoint stays where it is.
        try daemon.directory.write("modeld.toml", Self.config(#"listen = "127.0.0.1:1""#))
        let reload = try daemon.request("reload").decode(ReloadResult.self)
        #expect(reload.changed == ["metrics.listen"] && reload.restartNeeded == ["metrics.listen"])
        #expect(try Self.fetch(url, in: scratch).status == 200)
        #expect(try daemon.stop() == 0)
    }

    @Test func offByDefaultNothingListens() throws {
        let daemon = try DaemonHarness()
        let child = try daemon.startReady()
        #expect(try Self.listeningTCPSockets(of: child.pid).isEmpty)
        #expect(!(child.errorOutput.contains("metrics on http://")))
        #expect(try daemon.stop() == 0)
    }

    @Test func anAddressInUseStopsTheStartNamingItAndTheFix() throws {
        let (taken, port) = try SocketListener.tcp(try ListenAddress(parsing: "127.0.0.1:0"), backlog: 1)
        defer { taken.stop() }
        let daemon = try DaemonHarness(config: Self.config(#"listen = "127.0.0.1:\#(port)""#))
        let child = try daemon.start()
        #expect(try child.waitForExit() == 1)
        #expect(child.errorOutput.contains(#"[metrics] listen = "127.0.0.1:\#(port)": another program listens there"#), "\(child.errorOutput)")
        #expect(!daemon.notify.assignments.contains("READY=1"), "refused before it said it was ready")
    }

    @Test func theTextfileIsReplacedWholeFollowsAReloadAndIsWrittenAtStop() throws {
        let scratch = try TemporaryDirectory()
        let first = scratch.file("textfile/modeld.prom")
        let daemon = try DaemonHarness(config: Self.config("textfile = \"\(first)\"\ntextfile_interval = \"1s\""))
        try daemon.startReady()
        try waitUntil("the textfile to appear") { FileManager.default.fileExists(atPath: first) }
        // Each rewrite is a new file renamed over the old (a new inode), never the old one
        // rewritten in place: whatever moment node_exporter reads, it reads a whole file.
        var inodes = Set<UInt64>()
        try waitUntil("two rewrites", timeout: .seconds(20)) {
            let text = try String(contentsOfFile: first, encoding: .utf8)
            #expect(text.hasSuffix("\n") && text.contains("# TYPE modeld_health_degraded gauge\n"), "a whole file")
            if let inode = try FileManager.default.attributesOfItem(atPath: first)[.systemFileNumber] as? UInt64 { inodes.insert(inode) }
            return inodes.count >= 3
        }
        #expect(try Self.promtoolComplaints(try String(contentsOfFile: first, encoding: .utf8), in: scratch) == "")

        // A reload moves it: the old file goes (node_exporter would serve it stale), the
        // new one is written, and once more when the daemon stops.
        let second = scratch.file("textfile/moved.prom")
        try daemon.directory.write("modeld.toml", Self.config("textfile = \"\(second)\"\ntextfile_interval = \"1h\""))
        #expect(try daemon.request("reload").decode(ReloadResult.self).changed == ["metrics.textfile", "metrics.textfile_interval"])
        try waitUntil("the textfile to move", timeout: .seconds(5)) {
            FileManager.default.fileExists(atPath: second) && !FileManager.default.fileExists(atPath: first)
        }
        let beforeStop = try FileManager.default.attributesOfItem(atPath: second)[.systemFileNumber] as? UInt64
        #expect(try daemon.stop() == 0)
        #expect(try FileManager.default.attributesOfItem(atPath: second)[.systemFileNumber] as? UInt64 != beforeStop, "written at stop")
        #expect(try Self.promtoolComplaints(try String(contentsOfFile: second, encoding: .utf8), in: scratch) == "")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.file("textfile")) == ["moved.prom"], "no temporary file left")
    }

    @Test func aBadListenAddressOrTextfileIsAConfigError() throws {
        for (metrics, message) in [
            (#"listen = "localhost:9464""#, #"metrics.listen: "localhost" is not an IP address"#),
            (#"listen = "127.0.0.1""#, #"metrics.listen: "127.0.0.1" has no port"#),
            (#"textfile = "/tmp/modeld.txt""#, "metrics.textfile: \"/tmp/modeld.txt\" must name a file ending in .prom"),
        ] {
            let daemon = try DaemonHarness(config: Self.config(metrics))
            let run = try ChildProcess.run(
                Binaries.modeld, ["--config", daemon.configPath, "--check-config"], environment: daemon.environment(), in: daemon.directory.path)
            #expect(run.status == 78)
            #expect(run.error.contains(message), "\(run.error)")
        }
    }

    /// The inodes of the TCP sockets `pid` listens on (state 0A in /proc/net/tcp{,6}).
    static func listeningTCPSockets(of pid: pid_t) throws -> Set<String> {
        var listening = Set<String>()
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            for line in try String(contentsOfFile: table, encoding: .utf8).split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                if fields.count > 9 && fields[3] == "0A" { listening.insert(String(fields[9])) }
            }
        }
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
        let sockets = descriptors.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)") }
            .filter { $0.hasPrefix("socket:[") }.map { String($0.dropFirst("socket:[".count).dropLast()) }
        return Set(sockets).intersection(listening)
    }
}
