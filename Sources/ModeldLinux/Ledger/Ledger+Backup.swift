import Foundation
import GRDB

/// A copy of the ledger (pins, usage, revision history, journal) in one SQLite file,
/// through SQLite's online backup: consistent while the daemon goes on writing. The
/// effective config it ran with travels in the same file (`modeld_backup`), so one file
/// is the whole state an operator keeps. Blobs are never part of it.
extension Ledger {
    static let backupTable = "modeld_backup"

    /// What a backup file says about itself.
    public struct BackupInfo: Sendable, Equatable {
        public var takenAt: Date
        /// The modeld version that took it.
        public var version: String
        /// Its effective config, as `modeld --check-config` prints it.
        public var config: String
        /// The ledger's migrations applied when it was taken.
        public var schema: [String]
        public var bytes: Int64
    }

    /// Writes the backup to `path` (a new file; written beside it first, then renamed, so
    /// a half-written backup never stands under the name).
    public func backup(to path: String, config: String, version: String) throws -> BackupInfo {
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        let takenAt = Date()
        var schema: [String] = []
        do {
            let copy = try DatabaseQueue(path: partial)
            try database.backup(to: copy)
            try copy.write { db in
                schema = try Self.migrator.appliedMigrations(db)
                try db.create(table: Self.backupTable) { table in
                    table.primaryKey("key", .text)
                    table.column("value", .text).notNull()
                }
                for (key, value) in [("taken_at", ISO8601DateFormatter().string(from: takenAt)), ("version", version), ("config", config)] {
                    try db.execute(sql: "INSERT INTO \(Self.backupTable) (key, value) VALUES (?, ?)", arguments: [key, value])
                }
            }
            try copy.close()
            try AtomicFile.replace(path, with: partial)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        return BackupInfo(takenAt: takenAt, version: version, config: config, schema: schema, bytes: Self.size(of: path))
    }

    /// Why a backup cannot be restored.
    public struct RestoreError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads what `backup` says about itself; refuses a file that is not a modeld backup,
    /// or one a newer modeld took (its ledger has migrations this version does not know).
    public static func backupInfo(at path: String) throws -> BackupInfo {
        var configuration = Configuration()
        configuration.readonly = true
        let file = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? file.close() }
        return try file.read { db in
            guard try db.tableExists(backupTable) else {
                throw RestoreError(description: "\(path) is not a modeld backup (no \(backupTable) table); make one with modelctl backup FILE")
            }
            let fields = Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM \(backupTable)").map { ($0["key"] as String, $0["value"] as String) })
            let schema = try migrator.appliedMigrations(db)
            let unknown = try unknownMigrations(db)
            guard unknown.isEmpty else {
                throw RestoreError(description: """
                    \(path) was taken by a newer modeld (\(fields["version"] ?? "?")): its ledger has \(unknown.sorted().joined(separator: ", ")), \
                    which this version does not know; restore it with that version or a later one
                    """)
            }
            return BackupInfo(
                takenAt: fields["taken_at"].flatMap { ISO8601DateFormatter().date(from: $0) } ?? .distantPast,
                version: fields["version"] ?? "?", config: fields["config"] ?? "", schema: schema,
                bytes: Self.size(of: path))
        }
    }

    /// Replaces the ledger at `ledgerPath` with the backup at `path` (the daemon must be
    /// stopped): checked first, copied beside it, then renamed over it, with the old WAL
    /// gone so it cannot be replayed into the new file. An older schema is brought up to
    /// date when the daemon opens it.
    @discardableResult
    public static func restore(from path: String, to ledgerPath: String) throws -> BackupInfo {
        let info = try backupInfo(at: path)
        try AtomicFile.makeFolder(containing: ledgerPath)
        let partial = ledgerPath + ".restoring"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let source = try DatabaseQueue(path: path, configuration: configuration)
            let copy = try DatabaseQueue(path: partial)
            try source.backup(to: copy)
            try source.close()
            try copy.write { db in try db.drop(table: backupTable) }
            try copy.close()
            for leftover in ["-wal", "-shm"] {
                let file = ledgerPath + leftover
                if FileManager.default.fileExists(atPath: file) { try FileManager.default.removeItem(atPath: file) }
            }
            try AtomicFile.replace(ledgerPath, with: partial)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        return info
    }

    private static func size(of path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
