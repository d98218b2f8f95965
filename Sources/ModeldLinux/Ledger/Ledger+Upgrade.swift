import Foundation
import GRDB
import Logging

/// Opening a ledger another modeld left behind. An older schema is backed up beside the
/// ledger before it is migrated, because the previous binary cannot read the migrated
/// file and a failed upgrade is undone with that backup (`modeld --restore`). A newer
/// schema is refused: GRDB's migrator skips migrations it does not know, so this binary
/// would otherwise run on tables and meanings it does not understand.
extension Ledger {
    /// Why this modeld does not open a ledger.
    public struct SchemaError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Where the backup taken before migrating a ledger at `schema` (`v5`) is written.
    public static func upgradeBackupPath(of ledgerPath: String, schema: String) -> String {
        "\(ledgerPath).\(schema).backup"
    }

    /// A schema as people name it: the `vN` that starts its last migration's identifier.
    static func schemaName(_ identifier: String) -> String {
        String(identifier.prefix { $0 != ":" })
    }

    /// The migrations applied to `db` that this modeld does not know: a newer one ran there.
    static func unknownMigrations(_ db: Database) throws -> Set<String> {
        try migrator.appliedIdentifiers(db).subtracting(migrator.migrations)
    }

    /// Refuses a ledger of a newer schema; backs up one of an older schema (a new ledger
    /// has nothing to keep). Runs before any migration.
    func prepareMigration(path: String, version: String, config: String, logger: Logger) throws {
        let (applied, unknown) = try database.read { db in (try Self.migrator.appliedMigrations(db), try Self.unknownMigrations(db)) }
        let current = Self.schemaName(Self.migrator.migrations.last ?? "")
        guard unknown.isEmpty else {
            let newest = unknown.map(Self.schemaName).max { (Int($0.dropFirst()) ?? 0) < (Int($1.dropFirst()) ?? 0) } ?? "?"
            let backup = Self.upgradeBackupPath(of: path, schema: current)
            let restore = FileManager.default.fileExists(atPath: backup)
                ? "restore \(backup) (modeld --restore \(backup))"
                : "restore a backup this version took (modeld --restore FILE)"
            throw SchemaError(description: "ledger schema \(newest) is newer than this modeld (\(current)): \(restore) or install a newer modeld")
        }
        guard let last = applied.last, applied.count < Self.migrator.migrations.count else { return }
        let schema = Self.schemaName(last)
        let backup = Self.upgradeBackupPath(of: path, schema: schema)
        let info = try self.backup(to: backup, config: config, version: version)
        logger.notice(
            "ledger schema \(schema) backed up to \(backup) (\(info.bytes) bytes) before migrating it to \(current); to go back to the previous modeld, reinstall it and run modeld --restore \(backup)")
    }
}
