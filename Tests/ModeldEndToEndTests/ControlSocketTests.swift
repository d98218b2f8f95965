import Foundation
import Glibc
import ModeldProtocol
import ModeldTestSupport
import Testing

/// The control socket with real clients: what PROTOCOL.md promises about bad input,
/// limits, permissions and many connections.
@Suite(.timeLimit(.minutes(10))) struct ControlSocketTests {
    @Test func versionAndStatusAnswerOverTheSocket() throws {
        let daemon = try DaemonHarness()
        try daemon.startReady()
        // With no hub to ask and nothing stored, the models settle as missing.
        try daemon.waitForState("small", .missing)
        let client = try daemon.client()
        let version = try client.request("version").decode(VersionResult.self)
        #expect(version.protocol == 1)
        #expect(version.pid == daemon.process?.pid)

        let status = try client.request("status").decode(StatusResult.self)
        #expect(status.models.map(\.model) == ["tiny", "small"])
        let tiny = try #require(status.models.first)
        #expect(tiny.repo == "test-org/tiny")
        #expect(tiny.revision == "main")
        #expect(tiny.state == .missing && !tiny.ready)
        #expect(tiny.reason?.contains("cannot reach the hub") == true, "\(tiny.reason ?? "")")
        #expect(tiny.actions.map(\.command) == ["modelctl pull tiny"])
        #expect(tiny.path == daemon.stateDirectory + "/models/tiny")
        #expect(tiny.sizeBytes == 1 << 20)
        #expect(status.store.path == daemon.stateDirectory + "/hub")
        #expect((status.store.freeBytes ?? 0) > 0)

        let one = try client.request("status", ["model": .string("small")]).decode(StatusResult.self)
        #expect(one.models.map(\.model) == ["small"])
    }

    @Test func badInputGetsAnErrorAndTheConnectionStaysUsable() throws {
        let daemon = try DaemonHarness()
        try daemon.startReady()
        let client = try daemon.client()
        let cases: [(line: String, code: ErrorCode)] = [
            ("this is not json", .badRequest),
            ("[1, 2, 3]", .badRequest),
            (#"{"id": 1}"#, .badRequest),
            (#"{"cmd": "frobnicate"}"#, .unknownCommand),
            (#"{"cmd": "status", "model": 42}"#, .badRequest),
            (#"{"cmd": "status", "model": "tiny5"}"#, .unknownModel),
            (#"{"cmd": "acquire"}"#, .badRequest),
            (#"{"cmd": "acquire", "model": "tiny", "wait_s": -1}"#, .badRequest),
            (#"{"cmd": "release", "lease": "lease-made-up"}"#, .badRequest),
            (#"{"cmd": "usage", "model": "tiny", "days": 0}"#, .badRequest),
            (#"{"cmd": "usage", "model": "no-such-model"}"#, .unknownModel),
            (#"{"cmd": "adopt", "model": "tiny"}"#, .badRequest),
            (#"{"cmd": "pause"}"#, .badRequest),
            (#"{"cmd": "priority", "model": "tiny"}"#, .badRequest),
            ("{\"cmd\": \"status\u{0}\"}", .badRequest),
            (#"{"cmd": "status\u0000"}"#, .unknownCommand),
        ]
        for (line, code) in cases {
            try client.send(line: Data(line.utf8))
            let answer = try #require(try client.readLine(), "an answer to \(line)")
            let response = try WireCodec.decoder.decode(Response.self, from: answer)
            #expect(response.error?.code == code, "\(line)")
            #expect(!(response.error?.message.isEmpty ?? true))
        }
        // Blank lines are skipped, and the id of a good request comes back as sent.
        try client.send(line: Data("\n\r\n{\"id\":\"last\",\"cmd\":\"version\"}".utf8))
        let last = try WireCodec.decoder.decode(Response.self, from: try #require(try client.readLine()))
        #expect(last.ok && last.id == .string("last"))
    }

    @Test func aLineOverOneMebibyteIsRefusedThenClosed() throws {
        let daemon = try DaemonHarness()
        try daemon.startReady()
        // Exactly at the limit: answered.
        let padding = String(repeating: "x", count: WireCodec.maximumLineBytes - #"{"cmd":"version","pad":""}"#.utf8.count)
        let atLimit = try daemon.client()
        try atLimit.send(line: Data(#"{"cmd":"version","pad":"\#(padding)"}"#.utf8))
        #expect(try WireCodec.decoder.decode(Response.self, from: try #require(try atLimit.readLine())).ok)

        let client = try daemon.client()
        try client.send(line: Data(#"{"cmd":"version","pad":"\#(padding)x"}"#.utf8))
        let answer = try WireCodec.decoder.decode(Response.self, from: try #require(try client.readLine()))
        #expect(answer.error?.code == .tooLarge)
        #expect(try client.readLine() == nil, "then the connection is closed")
        #expect(try daemon.request("version").ok, "and the daemon serves others")
    }

    @Test func anotherUserMayReadButNotAdminister() throws {
        let daemon = try DaemonHarness()
        try daemon.startReady()
        let setpriv = try #require(ChildProcess.which("setpriv"))
        let socat = try #require(ChildProcess.which("socat"))
        let script = #"printf '%s\n' '{"cmd":"status"}' '{"cmd":"reload"}' | "$0" --reuid=65534 --regid=65534 --clear-groups "$1" -t 5 - "UNIX-CONNECT:$2""#
        let run = try ChildProcess.run("/bin/sh", ["-c", script, setpriv, socat, daemon.socketPath], in: daemon.directory.path)
        #expect(run.status == 0, "\(run.error)")
        let responses = try run.output.split(separator: "\n").map { try WireCodec.decoder.decode(Response.self, from: Data($0.utf8)) }
        #expect(responses.count == 2)
        #expect(responses.first?.ok == true, "status is a read command")
        #expect(responses.last?.error?.code == .permissionDenied)
        #expect(responses.last?.error?.hint?.contains("modeld") == true, "the hint names the admin group")

        // A copy nobody can reach, wherever the checkout is.
        let modelctl = daemon.directory.file("modelctl")
        try FileManager.default.copyItem(atPath: Binaries.modelctl, toPath: modelctl)
        let asNobody = try ChildProcess.run(
            setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", modelctl, "--socket", daemon.socketPath, "reload"],
            in: daemon.directory.path)
        #expect(asNobody.status == 1)
        #expect(asNobody.error.contains("permission_denied"))
        #expect(try daemon.request("reload").ok, "root may")
    }

    @Test func theSocketGetsTheConfiguredMode() throws {
        let daemon = try DaemonHarness(config: "[daemon]\nsocket_mode = \"0600\"\n")
        try daemon.startReady()
        var info = stat()
        #expect(stat(daemon.socketPath, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
    }

    @Test func manyClientsAtOnce() throws {
        let daemon = try DaemonHarness()
        try daemon.startReady()
        let path = daemon.socketPath
        let answered = Atomic(0)
        DispatchQueue.concurrentPerform(iterations: 64) { _ in
            guard let client = try? ControlClient(path: path, timeout: .seconds(20)) else { return }
            for _ in 0..<5 where (try? client.request("status"))?.ok == true {
                answered.add(1)
            }
        }
        #expect(answered.value == 64 * 5)
    }

    @Test func aStaleSocketFromACrashIsReplaced() throws {
        let daemon = try DaemonHarness()
        try FileManager.default.createDirectory(atPath: daemon.runDirectory, withIntermediateDirectories: true)
        close(try UnixAddress.listeningSocket(at: daemon.socketPath))
        try daemon.startReady()
        #expect(try daemon.request("version").ok)
    }

    @Test func refusesToStartWhenAnotherDaemonAnswers() throws {
        let first = try DaemonHarness()
        try first.startReady()
        let second = try DaemonHarness()
        let child = try second.start(arguments: ["--socket", first.socketPath])
        #expect(try child.waitForExit() != 0)
        #expect(child.errorOutput.contains("another modeld is already answering on \(first.socketPath)"))
        #expect(try first.request("version").ok, "the first keeps its socket")
    }

    @Test func neverRemovesAFileThatIsNotASocket() throws {
        let daemon = try DaemonHarness()
        let precious = try daemon.directory.write("run/modeld.sock", "not a socket")
        let child = try daemon.start()
        #expect(try child.waitForExit() != 0)
        #expect(child.errorOutput.contains("is not a socket"))
        #expect(try String(contentsOfFile: precious, encoding: .utf8) == "not a socket")
    }

    @Test func subscribersGetEventsInOrderWithTheirFilters() throws {
        let daemon = try DaemonHarness()
        try daemon.startReady()
        let configEvents = try daemon.client()
        #expect(try configEvents.request("subscribe", ["topics": .array([.string("config")])]).ok)
        let modelA = try daemon.client()
        #expect(try modelA.request("subscribe", ["topics": .array([.string("model")]), "models": .array([.string("a")])]).ok)

        for (index, name) in ["a", "b"].enumerated() {
            try daemon.directory.write("modeld.d/\(index).toml", "[[model]]\nid = \"\(name)\"\nrepo = \"o/\(name)\"\n")
            #expect(try daemon.request("reload").decode(ReloadResult.self).changed.contains("model.\(name).repo"))
            let event = try WireCodec.decoder.decode(JSONValue.self, from: try #require(try configEvents.readLine()))
            #expect(event["event"] == .string("config.reloaded"))
            #expect(event["seq"] == .number(Double(index + 1)))
        }
        // Model "a" is added, checked, and found missing (no hub here): only its state events arrive.
        var seen: [JSONValue] = []
        while seen.last?["to"] != .string("missing") {
            seen.append(try WireCodec.decoder.decode(JSONValue.self, from: try #require(try modelA.readLine())))
        }
        #expect(seen.allSatisfy { $0["event"] == .string("model.state") && $0["model"] == .string("a") })
        #expect(seen.map { $0["seq"] } == (1...seen.count).map { .number(Double($0)) })
        let metrics = try daemon.request("metrics").decode(MetricsResult.self).text
        #expect(metrics.contains("modeld_subscribers 2\n"))
    }

    @Test func shutdownEndsIdleClientsAndSubscribers() throws {
        let daemon = try DaemonHarness()
        try daemon.startReady()
        // Settled first: a model.state event of the start-up would reach the subscriber.
        try daemon.waitForState("tiny", .missing)
        try daemon.waitForState("small", .missing)
        let idle = try daemon.client()
        let subscriber = try daemon.client()
        #expect(try subscriber.request("subscribe").ok)
        #expect(try idle.request("version").ok)
        #expect(try daemon.stop(timeout: .seconds(5)) == 0)
        #expect(try subscriber.readLine() == nil)
        #expect(try idle.readLine() == nil)
    }

    @Test func metricsAreInPrometheusTextFormat() throws {
        let daemon = try DaemonHarness()
        try daemon.startReady()
        try daemon.waitForState("small", .missing)
        try daemon.waitForState("tiny", .missing)
        _ = try daemon.request("version")
        let text = try daemon.request("metrics").decode(MetricsResult.self).text
        #expect(text.contains("# TYPE modeld_models gauge\n"))
        #expect(text.contains("modeld_models{state=\"missing\"} 2\n"))
        #expect(text.contains("modeld_verify_bytes_hashed_total 0\n"))
        #expect(text.contains("modeld_control_requests_total{cmd=\"version\"} 1\n"))
        #expect(text.contains("modeld_control_requests_total{cmd=\"status\"}"))
        // Earlier connections close asynchronously; then only the asking one is open.
        try waitUntil("only the asking connection to be open") {
            try daemon.request("metrics").decode(MetricsResult.self).text.contains("modeld_control_connections 1\n")
        }
    }
}

import Synchronization

extension Atomic where Value == Int {
    func add(_ amount: Int) { _ = wrappingAdd(amount, ordering: .relaxed) }
    var value: Int { load(ordering: .relaxed) }
}
