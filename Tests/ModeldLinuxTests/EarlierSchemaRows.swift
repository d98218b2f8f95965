import Foundation
import GRDB
import ModeldCore
import ModeldLinux
import Testing

/// What an older modeld kept in its ledger, schema by schema: each table's rows are written
/// as that schema stored them, and checked through today's `Ledger` for their meaning.
/// Tables whose columns never changed are written with today's record types; `usage`,
/// widened in v6, with the v3 columns only.
enum EarlierSchemaRows {
    static let day = Date(timeIntervalSince1970: 1_750_000_000)  // 2025-06-15 15:06:40 UTC
    static let digest = String(repeating: "ab", count: 32)
    static let blob = VerifiedBlob(
        path: "/store/models--org--a/blobs/" + digest, digest: .sha256(digest), chunkSize: 1 << 20,
        chunkHashes: [String(repeating: "01", count: 32), String(repeating: "fe", count: 32)],
        signature: StatSignature(size: (1 << 20) + 5, modifiedNanoseconds: 1_700_000_000_123_456_789, changedNanoseconds: 1_700_000_001_000_000_000, inode: 42, device: 2049),
        verifiedAt: day, method: .full)
    static let journal = TransferJournal(
        path: "/store/models--org--a/.modeld-partial/" + digest, digest: digest, size: 3_000_000,
        written: RangeSet([ByteRange(0, 1_000_000), ByteRange(2_000_000, 2_500_000)]), synced: RangeSet([ByteRange(0, 500_000)]),
        bootID: "0b5e7c1d-boot", updatedAt: day)
    static let queue = [
        QueuedDownload(model: "a", priority: .high, paused: false, position: 1),
        QueuedDownload(model: "b", priority: .low, paused: true, position: 2),
    ]
    static let switches = [
        RevisionSwitch(model: "a", commit: String(repeating: "2", count: 40), previous: String(repeating: "1", count: 40), at: day, why: "update"),
        RevisionSwitch(
            model: "a", commit: String(repeating: "1", count: 40), previous: String(repeating: "2", count: 40), at: day + 60,
            why: "rollback: slower"),
    ]

    static func insert(into db: Database, schema: Int) throws {
        try blob.insert(db)
        guard schema >= 2 else { return }
        try journal.insert(db)
        for queued in queue { try queued.insert(db) }
        guard schema >= 3 else { return }
        for (model, at, duration, success, source, metrics) in [
            ("a", day, 60.0, true, "release", nil), ("a", day + 30, 30.0, false, "report", #"{"steps":40}"#),
            ("b", day + 90, 5.0, nil, "disconnect", nil),
        ] as [(String, Date, Double, Bool?, String, String?)] {
            try db.execute(
                sql: #"INSERT INTO usage (model, "commit", at, duration_s, success, source, metrics) VALUES (?, ?, ?, ?, ?, ?, ?)"#,
                arguments: [model, String(repeating: "1", count: 40), at, duration, success, source, metrics])
        }
        guard schema >= 4 else { return }
        try db.execute(sql: "INSERT INTO pin (model) VALUES ('a')")
        guard schema >= 5 else { return }
        for change in switches { _ = try change.inserted(db) }
        try db.execute(sql: #"INSERT INTO staged_update (model, "commit") VALUES ('a', ?)"#, arguments: [String(repeating: "3", count: 40)])
    }

    static func expectKept(in ledger: Ledger, schema: Int) async throws {
        #expect(try await ledger.verifiedBlob(at: blob.path) == blob)
        #expect(try await ledger.journal(at: journal.path) == (schema >= 2 ? journal : nil))
        #expect(try await ledger.queuedDownloads() == (schema >= 2 ? queue : []))

        let uses = try await ledger.uses(of: "a", since: .distantPast)
        #expect(uses.map(\.durationSeconds) == (schema >= 3 ? [60, 30] : []))
        #expect(uses.map(\.success) == (schema >= 3 ? [true, false] : []))
        #expect(uses.map(\.source) == (schema >= 3 ? [.release, .report] : []))
        #expect(uses.last?.metrics == (schema >= 3 ? #"{"steps":40}"# : nil))
        // v6's columns: what a use recorded before them is taken to have been, alone on the GPU.
        #expect(uses.allSatisfy { $0.context == UsageRecord.Context() && $0.resolution == nil })
        // v6 folded every kept use into its day: the figures `usage` answers from.
        let days = try await ledger.usageDays()
        #expect(days.map(\.model) == (schema >= 3 ? ["a", "b"] : []))
        #expect(days.map(\.uses) == (schema >= 3 ? [2, 1] : []))
        #expect(days.first.map { [$0.successes, $0.failures] } == (schema >= 3 ? [1, 1] : nil))
        #expect(days.allSatisfy { $0.day == UsageDay.day(of: day) })
        // Start-up's cheaper read of the same days (`usageDayCounts`) makes the same tallies.
        let counts = try await ledger.usageDayCounts()
        #expect(counts.count == days.count && counts.allSatisfy { $0.lastUsed != nil })
        #expect(
            Dictionary(grouping: counts, by: \.model).mapValues(UsageTally.init(days:))
                == Dictionary(grouping: days, by: \.model).mapValues(UsageTally.init(days:)))

        #expect(try await ledger.pins() == (schema >= 4 ? ["a"] : []))
        #expect(try await ledger.switches(of: "a").map(\.why) == (schema >= 5 ? ["rollback: slower", "update"] : []))
        #expect(try await ledger.stagedUpdates() == (schema >= 5 ? ["a": String(repeating: "3", count: 40)] : [:]))
    }
}
