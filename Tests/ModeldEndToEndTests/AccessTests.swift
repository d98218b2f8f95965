import Foundation
import Glibc
import ModeldProtocol
import ModeldTestSupport
import Testing

/// Who may connect and who may administer (two groups, as the kernel reports the peer),
/// idle connections, and the connection cap under a burst, against the real daemon.
@Suite(.timeLimit(.minutes(10))) struct AccessTests {
    /// Runs `socat` as `nobody` holding only `groups` (set by `setpriv`, not in the user
    /// database: the daemon must go by what the kernel reports), sending `requests`.
    static func asNobody(in groups: [TemporaryGroup], sending requests: [String], to daemon: DaemonHarness) throws -> (
        status: Int32, responses: [Response], error: String
    ) {
        let setpriv = try #require(ChildProcess.which("setpriv"))
        let socat = try #require(ChildProcess.which("socat"))
        let membership = groups.isEmpty ? "--clear-groups" : "--groups=" + groups.map { String($0.gid) }.joined(separator: ",")
        let script = #"""
            setpriv=$1 membership=$2 socat=$3 socket=$4; shift 4
            printf '%s\n' "$@" | "$setpriv" --reuid=65534 --regid=65534 "$membership" "$socat" -t 5 - "UNIX-CONNECT:$socket"
            """#
        let run = try ChildProcess.run(
            "/bin/sh", ["-c", script, "sh", setpriv, membership, socat, daemon.socketPath] + requests, in: daemon.directory.path)
        let responses = try run.output.split(separator: "\n").map { try WireCodec.decoder.decode(Response.self, from: Data($0.utf8)) }
        return (run.status, responses, run.error)
    }

    @Test func theSocketGroupMayReadAndUseWhileOnlyTheAdminGroupMayAdminister() throws {
        let users = try TemporaryGroup("sock")
        let admins = try TemporaryGroup("admin")
        let hub = try TestHub(repos: [TestRepo("test-org/tiny", files: [TestFile("config.json", text: "{}")])])
        defer { hub.shutdown() }
        let daemon = try DaemonHarness(config: DaemonHarness.standardConfig.replacingOccurrences(
            of: #"socket_mode = "0666""#,
            with: "socket_mode = \"0660\"\nsocket_group = \"\(users.name)\"\nadmin_group = \"\(admins.name)\""))
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        var info = stat()
        #expect(stat(daemon.socketPath, &info) == 0)
        #expect(info.st_gid == users.gid, "the socket belongs to socket_group")
        #expect(info.st_mode & 0o777 == 0o660)

        let user = try Self.asNobody(
            in: [users], sending: [#"{"cmd":"status"}"#, #"{"cmd":"acquire","model":"tiny"}"#, #"{"cmd":"pull","model":"tiny"}"#],
            to: daemon)
        #expect(user.status == 0, "\(user.error)")
        try #require(user.responses.count == 3, "\(user.responses)")
        #expect(user.responses[0].ok, "status is a read command")
        #expect(user.responses[1].ok, "acquire is a use command: \(String(describing: user.responses[1].error))")
        #expect(user.responses[2].error?.code == .permissionDenied)
        #expect(user.responses[2].error?.hint?.contains(admins.name) == true, "the hint names admin_group")

        let admin = try Self.asNobody(in: [users, admins], sending: [#"{"cmd":"pull","model":"tiny"}"#], to: daemon)
        #expect(admin.responses.first?.ok == true, "\(admin.responses) \(admin.error)")

        // Not in socket_group: cannot even connect, admin or not.
        let outsider = try Self.asNobody(in: [admins], sending: [#"{"cmd":"status"}"#], to: daemon)
        #expect(outsider.status != 0)
        #expect(outsider.responses.isEmpty)
        #expect(outsider.error.contains("Permission denied"), "\(outsider.error)")
    }

    @Test func idleConnectionsAreClosedButNotSubscribersOrWaitingRequests() throws {
        let hub = try TestHub(repos: [
            AvailabilityTests.repo(AvailabilityTests.bigRepo, size: 16 << 20), AvailabilityTests.repo(AvailabilityTests.smallRepo),
        ])
        defer { hub.shutdown() }
        // The model stays downloading for the whole test: an acquire of it waits.
        hub.faults.enqueue(.throttle(bytesPerSecond: 200_000), for: .download(AvailabilityTests.shard), times: 100)
        let daemon = try AvailabilityTests.daemon()
        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        #expect(try daemon.request("pull", ["model": .string(AvailabilityTests.big)]).ok)
        // Opened under the default (10 minutes), before the reload.
        let older = try daemon.client()
        #expect(try older.request("version").ok)

        try daemon.directory.write("modeld.d/50-idle.toml", "[daemon]\nidle_timeout = \"1s\"\n")
        let reload = try daemon.request("reload").decode(ReloadResult.self)
        #expect(reload.changed.contains("daemon.idle_timeout"))
        #expect(!reload.restartNeeded.contains("daemon.idle_timeout"), "it applies to the next connections")

        let subscriber = try daemon.client()
        #expect(try subscriber.request("subscribe", ["topics": .array([.string("config")])]).ok)
        let waiter = try daemon.client()
        try waiter.send(line: Data(#"{"cmd":"acquire","model":"\#(AvailabilityTests.big)","wait_s":4}"#.utf8))
        let idle = try daemon.client()
        #expect(try idle.request("version").ok)
        let answered = ContinuousClock.now

        // Opened last, it is closed first: the others, idle as long or longer, are not idle.
        #expect(try idle.readLine() == nil, "closed for idleness")
        let closedAfter = ContinuousClock.now - answered
        #expect(closedAfter >= .milliseconds(900) && closedAfter < .seconds(30), "closed \(closedAfter) after its last answer")
        #expect(try older.request("version").ok, "a connection keeps the timeout it opened with")

        try daemon.directory.write("modeld.d/60-log.toml", "[daemon]\nlog_level = \"debug\"\n")
        #expect(try daemon.request("reload").ok)
        let event = try WireCodec.decoder.decode(JSONValue.self, from: try #require(try subscriber.readLine(), "the subscriber is still there"))
        #expect(event["event"] == .string("config.reloaded"))

        let answer = try WireCodec.decoder.decode(Response.self, from: try #require(try waiter.readLine(), "the waiter is answered"))
        let result = try answer.decode(AcquireResult.self)
        #expect(!result.ready && result.strategy == .queueAndWait, "\(result)")
        #expect(try waiter.readLine() == nil, "once answered, the waiter is idle like any other")
    }

    @Test func aBurstOfConnectsNeverPassesTheCap() throws {
        let cap = 50
        let daemon = try DaemonHarness(config: DaemonHarness.standardConfig.replacingOccurrences(
            of: #"socket_mode = "0666""#, with: "socket_mode = \"0666\"\nmax_connections = \(cap)"))
        try daemon.startReady()
        // Every client keeps its connection until the end: had more than `cap` been let
        // in at any moment, more than `cap` would be answered. The connects come faster
        // than the daemon accepts (the backlog holds them): one burst.
        var connected = try (0..<300).map { _ in try daemon.client(timeout: .seconds(20)) }
        var answered = 0
        var refused = 0
        for client in connected {
            // A refused connection may be closed before this is sent; its line is still there to read.
            try? client.send(line: Data(#"{"cmd":"version"}"#.utf8))
            guard let line = try client.readLine() else { continue }
            let response = try WireCodec.decoder.decode(Response.self, from: line)
            if response.ok {
                answered += 1
            } else if let error = response.error, error.code == .tooManyConnections {
                #expect(error.message.contains("at most \(cap) connections"))
                #expect(error.hint?.contains("max_connections") == true)
                refused += 1
            }
        }
        #expect(answered == cap)
        #expect(refused == 300 - cap, "every refused connection is told why")

        connected.removeAll()
        // Until the daemon has seen the closes, a new connection may still be refused (and
        // counted): the burst's refusals are the least the counter can say.
        var refusedWhileClosing = 0
        try waitUntil("the connections to close") {
            guard let metrics = try? daemon.request("metrics").decode(MetricsResult.self) else {
                refusedWhileClosing += 1
                return false
            }
            return metrics.text.contains("modeld_control_connections 1\n")
        }
        let metrics = try daemon.request("metrics").decode(MetricsResult.self).text
        #expect(metrics.contains("modeld_control_connections_rejected_total \(300 - cap + refusedWhileClosing)\n"), "\(metrics)")
    }
}
