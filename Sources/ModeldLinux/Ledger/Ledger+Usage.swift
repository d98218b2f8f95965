import Foundation
import GRDB
import ModeldCore

/// The usage analytics' part of the ledger: raw rows (uses, requests, the daemon's own
/// work) for `[usage] keep_days`, and beside each, in the same transaction, its day's
/// `UsageDay`, which `usage` answers from and which stays when the rows are pruned.
extension Ledger {
    static let usageDayTable = "usage_day"

    public func record(_ use: UsageRecord) async throws {
        try await database.write { db in
            _ = try use.inserted(db)
            try Self.updateDay(db, model: use.model, at: use.at) { $0.record(use.sample) }
        }
    }

    /// Many uses in one transaction, each filed into its day as `record(_:)` files it.
    /// Package: `Benchmarks/modeld-seed` writes a synthetic year with it; the daemon
    /// records one use at a time.
    package func record(uses: [UsageRecord]) async throws {
        try await database.write { db in
            // Each day's aggregate read and written once per batch, its uses filed in order.
            var order: [String] = []
            var days: [String: (model: String, at: Date, samples: [UseSample])] = [:]
            for use in uses {
                _ = try use.inserted(db)
                let key = use.model + "\u{0}" + UsageDay.day(of: use.at)
                if days[key] == nil { order.append(key) }
                days[key, default: (use.model, use.at, [])].samples.append(use.sample)
            }
            for key in order {
                guard let day = days[key] else { continue }
                try Self.updateDay(db, model: day.model, at: day.at) { figures in
                    for sample in day.samples { figures.record(sample) }
                }
            }
        }
    }

    public func record(_ request: RequestRecord) async throws {
        try await database.write { db in
            _ = try request.inserted(db)
            try Self.updateDay(db, model: request.model, at: request.at) { $0.record(request.sample) }
        }
    }

    public func record(_ work: WorkRecord) async throws {
        try await database.write { db in
            _ = try work.inserted(db)
            try Self.updateDay(db, model: work.model, at: work.at) { $0.record(work.sample) }
        }
    }

    /// The days from `firstDay` on (`YYYY-MM-DD`), of one model or of all.
    public func usageDays(from firstDay: String = "", model: String? = nil) async throws -> [UsageDay] {
        try await database.read { db in
            var sql = "SELECT figures FROM \(Self.usageDayTable) WHERE day >= ?"
            var arguments: StatementArguments = [firstDay]
            if let model {
                sql += " AND model = ?"
                arguments += [model]
            }
            return try String.fetchAll(db, sql: sql + " ORDER BY day", arguments: arguments).map(Self.decodeDay)
        }
    }

    /// Each stored day with only its use count and last use filled in, read by SQLite's
    /// `json_extract` instead of decoding every figure: what the start-up's usage tallies
    /// need. A year of 50 models (18,250 days) took 0.25 s to decode in Swift, before READY.
    public func usageDayCounts() async throws -> [UsageDay] {
        try await database.read { db in
            let sql = """
                SELECT model, day, json_extract(figures, '$.uses') AS uses, json_extract(figures, '$.lastUsed') AS lastUsed
                FROM \(Self.usageDayTable)
                """
            return try Row.fetchAll(db, sql: sql).map { row in
                var day = UsageDay(day: row["day"], model: row["model"])
                day.uses = row["uses"] ?? 0
                // JSONEncoder's default: seconds since 2001-01-01.
                day.lastUsed = (row["lastUsed"] as Double?).map(Date.init(timeIntervalSinceReferenceDate:))
                return day
            }
        }
    }

    /// The uses of `model` recorded since `date`, oldest first.
    public func uses(of model: String, since date: Date) async throws -> [UsageRecord] {
        try await database.read { db in
            try UsageRecord.filter(Column("model") == model && Column("at") >= date).order(Column("at")).fetchAll(db)
        }
    }

    /// What the performance baseline and the recent window are taken from, oldest first:
    /// the model's earliest `earliest` uses still kept and its latest `latest`, however
    /// many lie between (so a check stays cheap after 100,000 reports).
    public func performanceHistory(of model: String, earliest: Int, latest: Int) async throws -> [UsageRecord] {
        try await database.read { db in
            let mine = UsageRecord.filter(Column("model") == model)
            let first = try mine.order(Column("at"), Column("id")).limit(earliest).fetchAll(db)
            let last = try mine.order(Column("at").desc, Column("id").desc).limit(latest).fetchAll(db).reversed()
            let seen = Set(first.compactMap(\.id))
            return first + last.filter { !seen.contains($0.id ?? -1) }
        }
    }

    /// When each model was last used (released, dropped or reported), for cleanup's order.
    public func lastUses() async throws -> [String: Date] {
        try await database.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT model, MAX(at) AS last FROM usage GROUP BY model")
            return Dictionary(uniqueKeysWithValues: rows.compactMap { row in
                (row["last"] as Date?).map { (row["model"] as String, $0) }
            })
        }
    }

    /// Uses per model since `date` (from the rows still kept: `[usage] keep_days`).
    public func useCounts(since date: Date) async throws -> [String: Int] {
        try await database.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT model, COUNT(*) AS uses FROM usage WHERE at >= ? GROUP BY model", arguments: [date])
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["model"] as String, $0["uses"] as Int) })
        }
    }

    /// The models the daemon downloaded since `date`.
    public func modelsDownloaded(since date: Date) async throws -> Set<String> {
        try await database.read { db in
            Set(try String.fetchAll(
                db, sql: "SELECT DISTINCT model FROM work WHERE kind = ? AND at >= ?", arguments: [WorkSample.Kind.download.rawValue, date]))
        }
    }

    /// Drops the raw rows from before `date`; their days' aggregates stay. The number dropped.
    @discardableResult
    public func pruneUsage(before date: Date) async throws -> Int {
        try await database.write { db in
            var dropped = 0
            for table in [UsageRecord.databaseTableName, RequestRecord.databaseTableName, WorkRecord.databaseTableName] {
                try db.execute(sql: "DELETE FROM \(table) WHERE at < ?", arguments: [date])
                dropped += db.changesCount
            }
            return dropped
        }
    }

    /// Files `change` into the day of `at` for `model`, creating the day's row.
    static func updateDay(_ db: Database, model: String, at date: Date, _ change: (inout UsageDay) -> Void) throws {
        let day = UsageDay.day(of: date)
        let stored = try String.fetchOne(
            db, sql: "SELECT figures FROM \(usageDayTable) WHERE model = ? AND day = ?", arguments: [model, day])
        var figures = try stored.map(decodeDay) ?? UsageDay(day: day, model: model)
        change(&figures)
        let text = String(decoding: try JSONEncoder().encode(figures), as: UTF8.self)
        try db.execute(
            sql: "INSERT OR REPLACE INTO \(usageDayTable) (model, day, figures) VALUES (?, ?, ?)", arguments: [model, day, text])
    }

    private static func decodeDay(_ text: String) throws -> UsageDay {
        try JSONDecoder().decode(UsageDay.self, from: Data(text.utf8))
    }
}
