import Foundation
import ModeldCore
import ModeldLinux
import ModeldProtocol
import Synchronization

/// The daemon's counters (control socket, verification, transfers, usage), and the
/// Prometheus text of everything `metrics` shows.
final class ControlMetrics: Sendable {
    private let verify: VerifyCounters
    /// The transfer engine's count of bytes received.
    private let downloaded: ByteCounter
    let usage = UsageMetrics()

    init(verify: VerifyCounters, downloaded: ByteCounter = ByteCounter()) {
        self.verify = verify
        self.downloaded = downloaded
    }

    private let counters = Mutex<(requests: [String: Int], connections: Int, rejected: Int, subscribers: Int)>(([:], 0, 0, 0))

    func countRequest(_ command: String) {
        // Unknown commands are counted under one label: a client cannot grow the map.
        let label = Command(rawValue: command) == nil ? "unknown" : command
        counters.withLock { $0.requests[label, default: 0] += 1 }
    }

    /// Counts a new connection if fewer than `limit` are open, else counts it refused.
    /// One step under one lock: however many arrive at once, no more than `limit` pass.
    func admitConnection(limit: Int) -> Bool {
        counters.withLock { counters in
            guard counters.connections < limit else {
                counters.rejected += 1
                return false
            }
            counters.connections += 1
            return true
        }
    }

    func connectionClosed() { counters.withLock { $0.connections -= 1 } }
    func subscriberOpened() { counters.withLock { $0.subscribers += 1 } }
    func subscriberClosed() { counters.withLock { $0.subscribers -= 1 } }

    /// The text exposition format (version 0.0.4) of the counters and `facts`: what
    /// `metrics`, the HTTP endpoint and the textfile all show.
    func exposition(_ facts: MetricsFacts) -> String {
        let snapshot = counters.withLock { $0 }
        let usage = usage.snapshot
        var text = ExpositionText()
        func byModel<Value>(_ values: [String: Value], _ value: (Value) -> Double) -> [(labels: ExpositionText.Labels, value: Double)] {
            values.sorted { $0.key < $1.key }.map { ([("model", $0.key)], value($0.value)) }
        }
        text.family("modeld_info", .gauge, "modeld's version.", [([("version", ProtocolVersion.release)], 1)])
        text.family(
            "modeld_start_time_seconds", .gauge, "When the daemon started, in seconds since the epoch: a change is a restart.",
            facts.started.timeIntervalSince1970)
        let counts = Dictionary(facts.states.values.map { ($0, 1) }, uniquingKeysWith: +)
        text.family(
            "modeld_models", .gauge, "Catalog models by state.",
            ModelState.allCases.map { ([("state", $0.rawValue)], Double(counts[$0] ?? 0)) })
        text.family(
            "modeld_model_state", .gauge, "1 for the state each catalog model is in, 0 for the others.",
            facts.states.sorted { $0.key < $1.key }.flatMap { model, state in
                ModelState.allCases.map { ([("model", model), ("state", $0.rawValue)], $0 == state ? 1 : 0) }
            })
        text.family(
            "modeld_control_requests_total", .counter, "Requests on the control socket by command.",
            snapshot.requests.sorted { $0.key < $1.key }.map { ([("cmd", $0.key)], Double($0.value)) })
        text.family("modeld_control_connections", .gauge, "Open control connections.", Double(snapshot.connections))
        text.family(
            "modeld_control_connections_rejected_total", .counter, "Connections refused because too many were open.",
            Double(snapshot.rejected))
        text.family("modeld_subscribers", .gauge, "Connections receiving events.", Double(snapshot.subscribers))
        text.family("modeld_verify_bytes_hashed_total", .counter, "Bytes read and hashed by verification.", Double(verify.bytesHashed))
        text.family("modeld_files_verified_total", .counter, "Files found good by a verification.", Double(verify.filesVerified))
        text.family(
            "modeld_download_bytes_total", .counter, "Bytes received from the hub and its mirrors (downloads, repairs, updates).",
            Double(downloaded.value))
        text.family(
            "modeld_update_available", .gauge, "1 when the hub names a newer revision than the model is on.",
            byModel(facts.updatesAvailable) { $0 ? 1 : 0 })
        text.family(
            "modeld_update_failures_total", .counter, "Updates that failed before their switch (the model stayed on its revision), since start.",
            byModel(facts.updateFailures) { Double($0) })
        diskFamilies(facts.disk, into: &text)
        text.family(
            "modeld_model_uses_total", .counter, "Generations ended (release, report, dropped lease) by model and outcome, since start.",
            usage.uses.sorted { $0.key < $1.key }.flatMap { model, outcomes in
                UsageMetrics.Outcome.allCases.map { ([("model", model), ("outcome", $0.rawValue)], Double(outcomes[$0] ?? 0)) }
            })
        text.header("modeld_generation_seconds", .histogram, "How long generations took, by model, since start.")
        for (model, generations) in usage.generations.sorted(by: { $0.key < $1.key }) {
            var cumulated = 0
            for (index, bound) in (UsageMetrics.bounds + [.infinity]).enumerated() {
                cumulated += generations.buckets[index]
                text.sample("modeld_generation_seconds_bucket", [("model", model), ("le", ExpositionText.number(bound))], Double(cumulated))
            }
            text.sample("modeld_generation_seconds_sum", [("model", model)], generations.sum)
            text.sample("modeld_generation_seconds_count", [("model", model)], Double(generations.count))
        }
        text.family(
            "modeld_mock_fallbacks_total", .counter, "Acquires answered mock_generation (no real model could serve), since start.",
            byModel(usage.mockFallbacks) { Double($0) })
        text.family(
            "modeld_health_degraded", .gauge, "Figures of the model's generations degraded against its baseline now.",
            byModel(facts.degraded) { Double($0) })
        return text.text
    }

    /// Per filesystem, labelled with its first path (the store's when it holds the store).
    private func diskFamilies(_ disk: [DiskReport], into text: inout ExpositionText) {
        for (name, help, value) in [
            ("modeld_disk_total_bytes", "Size of the filesystem.", \DiskReport.totalBytes),
            ("modeld_disk_free_bytes", "Free to the daemon (f_bavail): what downloads can use.", \DiskReport.freeBytes),
            ("modeld_disk_reserve_bytes", "[disk] reserve: never filled by downloads.", \DiskReport.reserveBytes),
            ("modeld_disk_warn_below_bytes", "[disk] warn_below: under it the disk is low (disk.low).", \DiskReport.warnBelowBytes),
        ] {
            text.family(name, .gauge, help, disk.map { ([("path", $0.paths[0])], Double($0[keyPath: value])) })
        }
    }
}
