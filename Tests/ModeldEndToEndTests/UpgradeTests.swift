import Foundation
import GRDB
import ModeldLinux
import ModeldProtocol
import ModeldTestSupport
import Testing

/// An upgrade with the real daemon, and going back (Docs/operations.md, "Upgrading and going
/// back"): a ledger of an older schema is backed up before it is migrated; a modeld that
/// finds a ledger a newer one migrated refuses to start and names the backup, which
/// `modeld --restore` puts back.
@Suite(.timeLimit(.minutes(10))) struct UpgradeTests {
    static func ledgerPath(_ daemon: DaemonHarness) -> String { daemon.stateDirectory + "/ledger.sqlite" }

    static func isPinned(_ daemon: DaemonHarness) throws -> Bool {
        try daemon.request("status", ["model": .string(AvailabilityTests.small)]).decode(StatusResult.self).models.first?.pinned == true
    }

    @Test func anUpgradeBacksTheLedgerUpBeforeMigratingIt() throws {
        let daemon = try AvailabilityTests.daemon()
        // The ledger an older modeld (schema v5) left, with a pin in it.
        let schema = Ledger.migrator.migrations.count - 1
        try FileManager.default.createDirectory(atPath: daemon.stateDirectory, withIntermediateDirectories: true)
        let old = try DatabaseQueue(path: Self.ledgerPath(daemon))
        try Ledger.migrator.migrate(old, upTo: Ledger.migrator.migrations[schema - 1])
        try old.write { db in try db.execute(sql: "INSERT INTO pin (model) VALUES (?)", arguments: [AvailabilityTests.small]) }
        try old.close()

        let process = try daemon.startReady()
        #expect(try Self.isPinned(daemon))
        let backup = Ledger.upgradeBackupPath(of: Self.ledgerPath(daemon), schema: "v\(schema)")
        let info = try Ledger.backupInfo(at: backup)
        #expect(info.schema == Array(Ledger.migrator.migrations.prefix(schema)) && info.version == ProtocolVersion.release)
        #expect(info.config.contains(AvailabilityTests.small), "the config the upgraded daemon ran with")
        #expect(process.errorOutput.contains("ledger schema v\(schema) backed up to \(backup)"), "\(process.errorOutput)")
    }

    @Test func aModeldRefusesALedgerANewerOneMigratedAndItsBackupTakesItBack() throws {
        let daemon = try AvailabilityTests.daemon()
        try daemon.startReady()
        #expect(try daemon.request("keep", ["model": .string(AvailabilityTests.small)]).ok)
        // What a newer modeld does at its first start: the backup, then its migration.
        let current = "v\(Ledger.migrator.migrations.count)"
        let backup = Ledger.upgradeBackupPath(of: Self.ledgerPath(daemon), schema: current)
        #expect(try daemon.modelctl(["--socket", daemon.socketPath, "backup", backup]).status == 0)
        #expect(try daemon.stop() == 0)
        let migrated = try ChildProcess.run(
            "/usr/bin/python3",
            ["-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"INSERT INTO grdb_migrations VALUES ('v99: from the future')\"); c.commit()", Self.ledgerPath(daemon)],
            in: daemon.directory.path)
        #expect(migrated.status == 0, "\(migrated.error)")

        let refused = try daemon.start()
        // 78: the unit's RestartPreventExitStatus, no restart loop.
        #expect(try refused.waitForExit() == 78)
        #expect(
            refused.errorOutput.contains("ledger schema v99 is newer than this modeld (\(current)): restore \(backup)"),
            "\(refused.errorOutput)")

        let restored = try BackupTests.restore(daemon, backup)
        #expect(restored.status == 0, "\(restored.output)\(restored.error)")
        try daemon.startReady()
        #expect(try Self.isPinned(daemon))
    }
}
