// modeld-seed: writes a ledger through the daemon's own ledger code (ModeldLinux's
// `Ledger`, its migrations and records), for Benchmarks/big-store.sh. Not part of the daemon.
//
//   modeld-seed blobs LEDGER PLAN [--chunk-size BYTES]
//       PLAN: one blob a line, "PATH<TAB>SHA256-HEX". Each blob must be a sparse file
//       that is all hole (checked with lseek SEEK_DATA: no data at all), so its bytes are
//       known to be zeros without reading them: its chunk index is the SHA-256 of zero
//       chunks, and its record is what a first verification would have written (method
//       "full", the stat signature of now). The digest is the caller's (big-store.py
//       computes the SHA-256 of N zero bytes for every N in one pass).
//   modeld-seed year LEDGER --models ID,ID,... [--revisions 20] [--uses 1000000] [--days 365]
//       a synthetic year: each model's revision history (REVISIONS switches, spread over
//       DAYS), and USES generations reported, spread over DAYS up to now, each filed into
//       its day's aggregate as `report` files it (in batches of 10,000 per transaction).
//
// Prints one line per command: what was written and how long it took.

import Foundation
import Glibc
import ModeldCore
import ModeldLinux

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("modeld-seed: \(message)\n".utf8))
    exit(2)
}

func value(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

/// SHA-256 of `count` zero bytes.
func zeroDigest(_ count: Int) throws -> String {
    let zeros = [UInt8](repeating: 0, count: count)
    return try zeros.withUnsafeBytes { try StreamingDigest.hex(.sha256, of: $0) }
}

/// Whether `path` holds no data at all, only a hole (its bytes read as zeros).
func isAllHole(_ path: String) -> Bool {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { fail("open(\(path)): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    let seekData: Int32 = 3  // SEEK_DATA (Linux), not exported to Swift by Glibc
    return lseek(fd, 0, seekData) < 0 && errno == ENXIO
}

func seedBlobs(ledgerPath: String, plan: String, chunkSize: Int) async throws {
    let began = Date()
    let ledger = try Ledger(path: ledgerPath, version: "modeld-seed")
    guard let text = try? String(contentsOfFile: plan, encoding: .utf8) else { fail("cannot read \(plan)") }
    let fullChunk = try zeroDigest(chunkSize)
    var tails: [Int: String] = [:]
    var count = 0
    var bytes: Int64 = 0
    for line in text.split(separator: "\n") {
        let fields = line.split(separator: "\t").map(String.init)
        guard fields.count == 2, let digest = FileDigest(kind: .sha256, hex: fields[1]) else { fail("bad plan line: \(line)") }
        let path = fields[0]
        guard let signature = try FileStat.signature(path) else { fail("\(path) does not exist") }
        guard isAllHole(path) else { fail("\(path) holds data: only an all-hole sparse file can be seeded unread") }
        let chunks = FileHasher.chunkCount(size: signature.size, chunkSize: chunkSize)
        var hashes = [String](repeating: fullChunk, count: chunks)
        let tail = Int(signature.size % Int64(chunkSize))
        if tail > 0, chunks > 0 {
            if tails[tail] == nil { tails[tail] = try zeroDigest(tail) }
            hashes[chunks - 1] = tails[tail]!
        }
        try await ledger.record(VerifiedBlob(
            path: path, digest: digest, chunkSize: Int64(chunkSize), chunkHashes: hashes, signature: signature,
            verifiedAt: Date(), method: .full))
        count += 1
        bytes += signature.size
    }
    print(String(format: "seeded %d blobs (%.1f GB, all hole) in %.2f s", count, Double(bytes) / 1e9, Date().timeIntervalSince(began)))
}

func seedYear(ledgerPath: String, models: [String], revisions: Int, uses: Int, days: Int) async throws {
    let began = Date()
    let ledger = try Ledger(path: ledgerPath, version: "modeld-seed")
    let now = Date()
    let span = Double(days) * 86_400
    var rng = SystemRandomNumberGenerator()
    func commit() -> String { (0..<40).map { _ in String("0123456789abcdef".randomElement(using: &rng)!) }.joined() }
    for model in models {
        var previous: String? = nil
        for step in 0..<revisions {
            let next = commit()
            let at = now.addingTimeInterval(-span + span * Double(step) / Double(max(revisions, 1)))
            try await ledger.record(RevisionSwitch(model: model, commit: next, previous: previous, at: at, why: step % 7 == 6 ? "rollback: slower" : "update"))
            previous = next
        }
    }
    let revisionSeconds = Date().timeIntervalSince(began)
    let batch = 10_000
    var written = 0
    while written < uses {
        let count = min(batch, uses - written)
        let records = (written..<(written + count)).map { i -> UsageRecord in
            // Oldest first, evenly over the year, a few models used far more than the rest.
            let at = now.addingTimeInterval(-span + span * Double(i) / Double(uses))
            let model = models[(i * i + i / 7) % models.count]
            return UsageRecord(
                model: model, commit: nil, at: at, durationSeconds: Double(20 + i % 100), success: i % 17 != 0, source: .report,
                resolution: i % 2 == 0 ? "1280*704" : "832*480", secondsPerStep: 2 + Double(i % 10) / 10)
        }
        try await ledger.record(uses: records)
        written += count
    }
    print(String(format: "seeded %d revision switches in %.1f s and %d uses over %d days in %.1f s",
                 models.count * revisions, revisionSeconds, uses, days, Date().timeIntervalSince(began) - revisionSeconds))
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else { fail("usage: modeld-seed blobs LEDGER PLAN | modeld-seed year LEDGER --models A,B,…") }
do {
    switch arguments[0] {
    case "blobs":
        guard arguments.count >= 3 else { fail("usage: modeld-seed blobs LEDGER PLAN") }
        try await seedBlobs(
            ledgerPath: arguments[1], plan: arguments[2],
            chunkSize: Int(value("--chunk-size", in: arguments) ?? "") ?? FileHasher.defaultChunkSize)
    case "year":
        guard let models = value("--models", in: arguments)?.split(separator: ",").map(String.init), !models.isEmpty else { fail("--models is needed") }
        try await seedYear(
            ledgerPath: arguments[1], models: models, revisions: Int(value("--revisions", in: arguments) ?? "") ?? 20,
            uses: Int(value("--uses", in: arguments) ?? "") ?? 1_000_000, days: Int(value("--days", in: arguments) ?? "") ?? 365)
    default:
        fail("unknown command \(arguments[0])")
    }
} catch {
    fail("\(error)")
}
