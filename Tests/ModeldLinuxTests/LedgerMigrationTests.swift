import Foundation
import GRDB
import ModeldLinux
import ModeldTestSupport
import Testing

/// The ledger as an older modeld left it, at each earlier schema, opened by this one: every
/// row keeps its meaning, and the file as it was is backed up before it is migrated. A
/// ledger a newer modeld migrated is refused, untouched.
@Suite struct LedgerMigrationTests {
    static let migrations = Ledger.migrator.migrations

    /// A ledger at exactly `schema` (v1 = 1), built with the real migrator and filled as that
    /// schema stored its rows.
    static func ledger(at schema: Int, in directory: TemporaryDirectory) throws -> String {
        let path = directory.file("ledger.sqlite")
        let old = try DatabaseQueue(path: path)
        try Ledger.migrator.migrate(old, upTo: migrations[schema - 1])
        try old.write { db in try EarlierSchemaRows.insert(into: db, schema: schema) }
        try old.close()
        return path
    }

    @Test(arguments: 1..<migrations.count)
    func aLedgerOfAnEarlierSchemaKeepsEveryRowAndIsBackedUpFirst(schema: Int) async throws {
        let directory = try TemporaryDirectory()
        let path = try Self.ledger(at: schema, in: directory)

        let ledger = try Ledger(path: path, version: "0.9-test", config: "[daemon]\n")
        try await EarlierSchemaRows.expectKept(in: ledger, schema: schema)

        let backup = try Ledger.backupInfo(at: Ledger.upgradeBackupPath(of: path, schema: "v\(schema)"))
        #expect(backup.schema == Array(Self.migrations.prefix(schema)), "the backup is the ledger before the migration")
        #expect(backup.version == "0.9-test" && backup.config == "[daemon]\n")
    }

    @Test func aNewOrCurrentLedgerIsNotBackedUp() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("ledger.sqlite")
        _ = try Ledger(path: path)
        _ = try Ledger(path: path)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(!files.contains { $0.hasSuffix(".backup") }, "\(files)")
    }

    @Test func aLedgerANewerModeldMigratedIsRefusedAndNamesTheBackupToRestore() throws {
        let directory = try TemporaryDirectory()
        let path = try Self.ledger(at: Self.migrations.count, in: directory)
        let current = "v\(Self.migrations.count)"
        // What a newer modeld leaves: its migration applied, and the backup it took before.
        let backup = Ledger.upgradeBackupPath(of: path, schema: current)
        _ = try Ledger(path: path).backup(to: backup, config: "", version: "test")
        let newer = try DatabaseQueue(path: path)
        try newer.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v10: from the future'), ('v9: also')")
        }
        let applied = try newer.read { db in try Ledger.migrator.appliedIdentifiers(db) }
        try newer.close()

        let refusal = #expect(throws: Ledger.SchemaError.self) { try Ledger(path: path) }
        #expect(
            refusal?.description
                == "ledger schema v10 is newer than this modeld (\(current)): restore \(backup) (modeld --restore \(backup)) or install a newer modeld")
        let after = try DatabaseQueue(path: path)
        #expect(try after.read { db in try Ledger.migrator.appliedIdentifiers(db) } == applied, "a refused ledger is not migrated")
        try after.close()
    }
}
