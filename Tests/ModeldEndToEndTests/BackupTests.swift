import Foundation
import ModeldProtocol
import ModeldTestSupport
import Testing

/// `modelctl backup FILE` and `modeld --restore FILE` with the real daemon: pins and
/// usage and revision history come back into a new state folder; a restore is refused while the daemon runs,
/// for a file that is no backup, and for a backup of a newer schema.
@Suite(.timeLimit(.minutes(10))) struct BackupTests {
    static func restore(_ daemon: DaemonHarness, _ file: String) throws -> (status: Int32, output: String, error: String) {
        try ChildProcess.run(
            Binaries.modeld, ["--config", daemon.configPath, "--restore", file], environment: daemon.environment(),
            in: daemon.directory.path)
    }

    @Test func aBackupRestoredIntoANewStateFolderBringsPinsUsageAndHistoryBack() async throws {
        let (hub, daemon) = try await UsageAnalyticsTests.bothModelsAvailable()
        defer { hub.shutdown() }
        #expect(try daemon.request("keep", ["model": .string(AvailabilityTests.small)]).ok)
        for _ in 0..<3 {
            #expect(try daemon.request("report", ["model": .string(AvailabilityTests.big), "duration_s": .number(60), "success": .bool(true)]).ok)
        }
        // A revision history: the small model updated once.
        try hub.update(AvailabilityTests.smallRepo) { repo in repo.commit(AvailabilityTests.repo(AvailabilityTests.smallRepo, seed: 7).main.files) }
        let update = try daemon.modelctl(["--socket", daemon.socketPath, "update", AvailabilityTests.small])
        #expect(update.status == 0, "\(update.output)\(update.error)")
        let usageBefore = try daemon.request("usage").decode(UsageResult.self)
        let historyBefore = try daemon.request("history", ["model": .string(AvailabilityTests.small)]).decode(HistoryResult.self)
        #expect(!historyBefore.revisions.isEmpty)
        let file = daemon.directory.file("state.backup")
        let backup = try daemon.modelctl(["--socket", daemon.socketPath, "backup", file])
        #expect(backup.status == 0 && backup.output.hasPrefix(file + ": ") && backup.output.contains("ledger schema v6"), "\(backup.output)\(backup.error)")
        #expect(FileManager.default.fileExists(atPath: file))

        let whileRunning = try Self.restore(daemon, file)
        #expect(whileRunning.status == 1 && whileRunning.error.contains("stop it first"), "\(whileRunning.error)")
        try daemon.stop()
        // A new machine, or a lost disk: the state folder is gone, the store is not.
        try FileManager.default.moveItem(atPath: daemon.stateDirectory, toPath: daemon.stateDirectory + ".lost")
        let restored = try Self.restore(daemon, file)
        #expect(restored.status == 0, "\(restored.output)\(restored.error)")
        let configCopy = try String(contentsOfFile: daemon.stateDirectory + "/restored-config.toml", encoding: .utf8)
        #expect(configCopy.contains(AvailabilityTests.small), "the config it ran with, to compare")

        try daemon.startReady(environment: ["HF_ENDPOINT": hub.endpoint])
        // Its current commit is known once its files are checked again.
        let status = try daemon.waitForState(AvailabilityTests.small, .available)
        #expect(status.pinned == true, "the pin is back")
        let usageAfter = try daemon.request("usage").decode(UsageResult.self)
        #expect(usageAfter.models.map { $0.uses } == usageBefore.models.map { $0.uses } && usageAfter.total.uses == 3)
        let historyAfter = try daemon.request("history", ["model": .string(AvailabilityTests.small)]).decode(HistoryResult.self)
        #expect(historyAfter == historyBefore, "the revision history is back")
    }

    @Test func aRestoreRefusesWhatIsNoBackupAndANewerSchema() async throws {
        let daemon = try AvailabilityTests.daemon()
        try daemon.startReady()
        let file = daemon.directory.file("ledger.backup")
        #expect(try daemon.modelctl(["--socket", daemon.socketPath, "backup", file]).status == 0)
        let inStore = try daemon.modelctl(["--socket", daemon.socketPath, "backup", daemon.directory.file("cache/x.backup")])
        #expect(inStore.status == 1 && inStore.error.contains("inside the store"), "\(inStore.error)")
        try daemon.stop()
        let ledger = daemon.stateDirectory + "/ledger.sqlite"
        let before = try Data(contentsOf: URL(fileURLWithPath: ledger))

        let notABackup = try Self.restore(daemon, daemon.configPath)
        #expect(notABackup.status == 1, "\(notABackup.output)")
        // A migration this version does not know, as a newer modeld would have written.
        let future = try ChildProcess.run(
            "/usr/bin/python3",
            ["-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"INSERT INTO grdb_migrations VALUES ('v99: from the future')\"); c.commit()", file],
            in: daemon.directory.path)
        #expect(future.status == 0, "\(future.error)")
        let newer = try Self.restore(daemon, file)
        #expect(newer.status == 1 && newer.error.contains("newer modeld") && newer.error.contains("v99"), "\(newer.error)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)) == before, "a refused restore changes nothing")
    }
}
