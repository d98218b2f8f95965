import Foundation
import GRDB
import Logging
import ModeldCore

/// What must survive a restart or a crash (STORE.md), in SQLite through GRDB: WAL mode,
/// schema changes as numbered migrations. Reads and writes run on GRDB's own queues.
public final class Ledger: Sendable {
    /// Internal: the ledger's extensions (`Ledger+Usage`) share it.
    let database: DatabasePool

    /// Opens (creating if needed) the ledger at `path` and brings its schema up to date,
    /// backing up an older schema first (`Ledger+Upgrade`): the backup names `version` and
    /// `config` as `modelctl backup` does. A ledger of a newer schema throws `SchemaError`.
    public init(path: String, version: String = "unknown", config: String = "", logger: Logger = Logger(label: "modeld.ledger")) throws {
        try AtomicFile.makeFolder(containing: path)
        var configuration = Configuration()
        configuration.label = "modeld.ledger"
        // GRDB's default (.userInitiated) runs its queues above the threads that answer
        // requests (nice -2 on Linux): a download's journal writes then delayed `status`.
        configuration.qos = .default
        database = try DatabasePool(path: path, configuration: configuration)
        try prepareMigration(path: path, version: version, config: config, logger: logger)
        try Self.migrator.migrate(database)
    }

    /// Package: the migration tests build a ledger at each earlier schema with it.
    package static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: verified blobs and their chunk index") { db in
            try db.create(table: VerifiedBlob.databaseTableName) { table in
                table.primaryKey("path", .text)
                table.column("digest", .text).notNull()
                table.column("size", .integer).notNull()
                table.column("chunk_size", .integer).notNull()
                table.column("chunk_hashes", .blob).notNull()
                table.column("mtime_ns", .integer).notNull()
                table.column("ctime_ns", .integer).notNull()
                table.column("inode", .integer).notNull()
                table.column("device", .integer).notNull()
                table.column("verified_at", .datetime).notNull()
                table.column("method", .text).notNull()
            }
        }
        migrator.registerMigration("v2: transfer journal and download queue") { db in
            try db.create(table: TransferJournal.databaseTableName) { table in
                table.primaryKey("path", .text)
                table.column("digest", .text).notNull()
                table.column("size", .integer).notNull()
                table.column("written", .text).notNull()
                table.column("synced", .text).notNull()
                table.column("boot_id", .text).notNull()
                table.column("updated_at", .datetime).notNull()
            }
            try db.create(table: QueuedDownload.databaseTableName) { table in
                table.primaryKey("model", .text)
                table.column("priority", .text).notNull()
                table.column("paused", .boolean).notNull()
                table.column("position", .integer).notNull()
            }
        }
        migrator.registerMigration("v3: usage") { db in
            try db.create(table: UsageRecord.databaseTableName) { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("model", .text).notNull().indexed()
                table.column("commit", .text)
                table.column("at", .datetime).notNull()
                table.column("duration_s", .double)
                table.column("success", .boolean)
                table.column("source", .text).notNull()
                table.column("metrics", .text)
            }
        }
        migrator.registerMigration("v4: pins") { db in
            try db.create(table: "pin") { table in
                table.primaryKey("model", .text)
            }
        }
        migrator.registerMigration("v5: revision switches") { db in
            try db.create(table: RevisionSwitch.databaseTableName) { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("model", .text).notNull().indexed()
                table.column("commit", .text).notNull()
                table.column("previous", .text)
                table.column("at", .datetime).notNull()
                table.column("why", .text).notNull()
            }
            // An update being staged: a restart goes on with it (its bytes are journaled).
            try db.create(table: "staged_update") { table in
                table.primaryKey("model", .text)
                table.column("commit", .text).notNull()
            }
        }
        migrator.registerMigration("v6: usage analytics") { db in
            // The figures the performance baseline compares, and the machine at the time.
            try db.alter(table: UsageRecord.databaseTableName) { table in
                table.add(column: "resolution", .text)
                table.add(column: "seconds_per_step", .double)
                table.add(column: "frames", .integer)
                table.add(column: "load_s", .double)
                table.add(column: "gpu", .integer)
                table.add(column: "vram_used_fraction", .double)
                table.add(column: "other_gpu_processes", .integer).notNull().defaults(to: 0)
                table.add(column: "concurrent", .integer).notNull().defaults(to: 1)
            }
            try db.create(index: "usage_by_model_and_time", on: UsageRecord.databaseTableName, columns: ["model", "at"])
            try db.create(table: RequestRecord.databaseTableName) { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("model", .text).notNull()
                table.column("at", .datetime).notNull().indexed()
                table.column("kind", .text).notNull()
                table.column("waited_s", .double).notNull()
                table.column("strategy", .text)
            }
            try db.create(table: WorkRecord.databaseTableName) { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("model", .text).notNull()
                table.column("at", .datetime).notNull().indexed()
                table.column("kind", .text).notNull()
                table.column("bytes", .integer).notNull()
                table.column("seconds", .double).notNull()
                table.column("retries", .integer).notNull()
            }
            // One row per model and UTC day, kept when the raw rows go (`[usage] keep_days`).
            try db.create(table: Self.usageDayTable) { table in
                table.column("model", .text).notNull()
                table.column("day", .text).notNull()
                table.column("figures", .text).notNull()
                table.primaryKey(["model", "day"])
            }
            for use in try UsageRecord.fetchAll(db) {
                try Self.updateDay(db, model: use.model, at: use.at) { $0.record(use.sample) }
            }
        }
        return migrator
    }

    /// The record of the blob at `path`, if it was ever found good.
    public func verifiedBlob(at path: String) async throws -> VerifiedBlob? {
        try await database.read { db in try VerifiedBlob.fetchOne(db, key: path) }
    }

    /// The records of every blob of `paths` the ledger has, in one read: a start-up check
    /// of 10,000 unchanged files asks a few times, not 10,000 times. 999 keys at a time: the
    /// most one statement takes in SQLite before 3.32.
    public func verifiedBlobs(at paths: [String]) async throws -> [String: VerifiedBlob] {
        try await database.read { db in
            var records: [String: VerifiedBlob] = [:]
            for start in stride(from: 0, to: paths.count, by: 999) {
                for record in try VerifiedBlob.fetchAll(db, keys: paths[start..<min(start + 999, paths.count)]) {
                    records[record.path] = record
                }
            }
            return records
        }
    }

    public func record(_ blob: VerifiedBlob) async throws {
        try await database.write { db in try blob.save(db) }
    }

    /// Forgets a blob that no longer matches: it must be verified whole again.
    public func forget(_ path: String) async throws {
        _ = try await database.write { db in try VerifiedBlob.deleteOne(db, key: path) }
    }

    // MARK: - Transfers

    /// The journal of the partial file at `path`, if one is kept.
    public func journal(at path: String) async throws -> TransferJournal? {
        try await database.read { db in try TransferJournal.fetchOne(db, key: path) }
    }

    public func record(_ journal: TransferJournal) async throws {
        try await database.write { db in try journal.save(db) }
    }

    public func forgetJournal(at path: String) async throws {
        _ = try await database.write { db in try TransferJournal.deleteOne(db, key: path) }
    }

    // MARK: - The download queue

    public func queuedDownloads() async throws -> [QueuedDownload] {
        try await database.read { db in try QueuedDownload.order(Column("position")).fetchAll(db) }
    }

    public func record(_ queued: QueuedDownload) async throws {
        try await database.write { db in try queued.save(db) }
    }

    public func forgetQueued(_ model: String) async throws {
        _ = try await database.write { db in try QueuedDownload.deleteOne(db, key: model) }
    }

    // MARK: - Revisions

    public func record(_ change: RevisionSwitch) async throws {
        _ = try await database.write { db in try change.inserted(db) }
    }

    /// The model's revision switches, newest first.
    public func switches(of model: String) async throws -> [RevisionSwitch] {
        try await database.read { db in
            try RevisionSwitch.filter(Column("model") == model).order(Column("id").desc).fetchAll(db)
        }
    }

    /// When each model last left each commit (an update or rollback replaced it): the
    /// start of its `keep_previous`.
    public func replacedRevisions() async throws -> [(model: String, commit: String, at: Date)] {
        try await database.read { db in
            try Row.fetchAll(
                db, sql: "SELECT model, previous, MAX(at) AS at FROM revision_switch WHERE previous IS NOT NULL GROUP BY model, previous"
            ).map { ($0["model"] as String, $0["previous"] as String, $0["at"] as Date) }
        }
    }

    /// Updates being staged when the daemon stopped: model → the commit it moves to.
    public func stagedUpdates() async throws -> [String: String] {
        try await database.read { db in
            Dictionary(
                try Row.fetchAll(db, sql: "SELECT model, \"commit\" FROM staged_update").map { ($0["model"] as String, $0["commit"] as String) },
                uniquingKeysWith: { first, _ in first })
        }
    }

    /// Notes that `model` is being moved to `commit`, or (nil) that it no longer is.
    public func setStagedUpdate(_ model: String, to commit: String?) async throws {
        try await database.write { db in
            if let commit {
                try db.execute(sql: "INSERT OR REPLACE INTO staged_update (model, \"commit\") VALUES (?, ?)", arguments: [model, commit])
            } else {
                try db.execute(sql: "DELETE FROM staged_update WHERE model = ?", arguments: [model])
            }
        }
    }

    // MARK: - Pins

    /// Models pinned with `keep` (the config's `keep = true` pins are not stored here).
    public func pins() async throws -> Set<String> {
        try await database.read { db in Set(try String.fetchAll(db, sql: "SELECT model FROM pin")) }
    }

    public func setPinned(_ model: String, _ pinned: Bool) async throws {
        try await database.write { db in
            if pinned {
                try db.execute(sql: "INSERT OR IGNORE INTO pin (model) VALUES (?)", arguments: [model])
            } else {
                try db.execute(sql: "DELETE FROM pin WHERE model = ?", arguments: [model])
            }
        }
    }
}
