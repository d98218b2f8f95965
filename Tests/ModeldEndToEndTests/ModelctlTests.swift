import Foundation
import ModeldProtocol
import ModeldTestSupport
import Testing

/// modelctl as a person and a script use it, against a real daemon and a missing one.
@Suite(.timeLimit(.minutes(10))) struct ModelctlTests {
    @Test func statusPrintsAnAlignedTable() throws {
        let daemon = try DaemonHarness()
        try daemon.startReady()
        try daemon.waitForState("tiny", .missing)
        let run = try daemon.modelctl(["--socket", daemon.socketPath, "status"])
        #expect(run.status == 0, "\(run.error)")
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("MODEL  STATE    SIZE   PROGRESS  PATH") == true, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("tiny   missing  1 MiB  -         \(daemon.stateDirectory)/models/tiny") })
        #expect(lines.contains { $0.hasPrefix("store: \(daemon.stateDirectory)/hub (") })
    }

    @Test func optionsGoBeforeOrAfterTheSubcommandAndTheEnvironmentNamesTheSocket() throws {
        let daemon = try DaemonHarness()
        try daemon.startReady()
        let after = try daemon.modelctl(["status", "--socket", daemon.socketPath, "--json", "tiny"])
        let before = try daemon.modelctl(["--json", "status", "tiny"], environment: ["MODELD_SOCKET": daemon.socketPath])
        #expect(after.status == 0 && before.status == 0)
        let result = try JSONDecoder().decode(StatusResult.self, from: Data(after.output.utf8))
        #expect(result.models.map(\.model) == ["tiny"])
        #expect(try JSONDecoder().decode(StatusResult.self, from: Data(before.output.utf8)).models == result.models)
    }

    @Test func anErrorFromTheDaemonExitsOneWithItsHint() throws {
        let daemon = try DaemonHarness()
        try daemon.startReady()
        let run = try daemon.modelctl(["--socket", daemon.socketPath, "status", "tiyn"])
        #expect(run.status == 1)
        #expect(run.error.contains("no model 'tiyn' in the catalog (unknown_model)"))
        #expect(run.error.contains("hint: modelctl status lists the models; did you mean tiny?"))
    }

    @Test func aMissingDaemonExits69AndSaysWhatToDo() throws {
        let directory = try TemporaryDirectory()
        let socket = directory.file("nobody-home.sock")
        let run = try ChildProcess.run(Binaries.modelctl, ["--socket", socket, "status"], in: directory.path)
        #expect(run.status == 69)
        #expect(run.error.contains("cannot connect to \(socket)"))
        #expect(run.error.contains("systemctl start modeld"))
    }

    @Test func aUsageErrorExitsTwo() throws {
        let directory = try TemporaryDirectory()
        #expect(try ChildProcess.run(Binaries.modelctl, ["status", "--no-such-flag"], in: directory.path).status == 2)
        #expect(try ChildProcess.run(Binaries.modelctl, ["frobnicate"], in: directory.path).status == 2)
        #expect(try ChildProcess.run(Binaries.modelctl, ["--help"], in: directory.path).status == 0)
    }

    @Test func watchPrintsEventsAsTheyHappen() throws {
        let daemon = try DaemonHarness()
        try daemon.startReady()
        let watch = try ChildProcess(
            Binaries.modelctl, ["--socket", daemon.socketPath, "watch"], environment: ChildProcess.baseEnvironment,
            outputDirectory: daemon.directory.path)
        // Once the watcher is subscribed, the daemon counts it.
        try waitUntil("modelctl watch to subscribe") {
            try daemon.request("metrics").decode(MetricsResult.self).text.contains("modeld_subscribers 1\n")
        }
        try daemon.directory.write("modeld.d/new.toml", "[downloads]\nmax_retries = 7\n")
        #expect(try daemon.request("reload").ok)
        try waitUntil("the event in watch's output") { watch.output.contains("config.reloaded changed downloads.max_retries") }
        try daemon.stop()
        #expect(try watch.waitForExit() == 0)
    }

    @Test func reloadAndVersionSubcommands() throws {
        let daemon = try DaemonHarness()
        try daemon.startReady()
        let version = try daemon.modelctl(["--socket", daemon.socketPath, "version"])
        #expect(version.output.contains("modeld \(ProtocolVersion.release) (protocol 1), pid \(daemon.process?.pid ?? 0)"))
        #expect(try daemon.modelctl(["--socket", daemon.socketPath, "reload"]).output == "reloaded; nothing changed\n")
    }
}
