import ModeldCore
import ModeldProtocol
import Synchronization

/// Counters of the control socket, and the Prometheus text of everything `metrics` shows.
final class ControlMetrics: Sendable {
    private let verify: VerifyCounters
    let usage = UsageMetrics()

    init(verify: VerifyCounters) { self.verify = verify }

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

    /// The text exposition format (version 0.0.4).
    /// - Parameters:
    ///   - updatesAvailable: per model, whether a new revision is offered.
    ///   - degraded: per model, its figures degraded now (`health.degraded`).
    func exposition(states: [ModelState: Int], updatesAvailable: [String: Bool] = [:], degraded: [String: Int] = [:]) -> String {
        let snapshot = counters.withLock { $0 }
        let usage = usage.snapshot
        var text = ""
        func header(_ name: String, _ type: String, _ help: String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: Int)]) {
            header(name, type, help)
            for sample in samples { text += "\(name)\(sample.labels) \(sample.value)\n" }
        }
        family("modeld_info", "gauge", "modeld's version.", [("{version=\"\(ProtocolVersion.release)\"}", 1)])
        family(
            "modeld_models", "gauge", "Catalog models by state.",
            ModelState.allCases.map { ("{state=\"\($0.rawValue)\"}", states[$0] ?? 0) })
        family(
            "modeld_control_requests_total", "counter", "Requests on the control socket by command.",
            snapshot.requests.sorted { $0.key < $1.key }.map { ("{cmd=\"\($0.key)\"}", $0.value) })
        family("modeld_control_connections", "gauge", "Open control connections.", [("", snapshot.connections)])
        family(
            "modeld_control_connections_rejected_total", "counter", "Connections refused because too many were open.",
            [("", snapshot.rejected)])
        family("modeld_subscribers", "gauge", "Connections receiving events.", [("", snapshot.subscribers)])
        family(
            "modeld_verify_bytes_hashed_total", "counter", "Bytes read and hashed by verification.",
            [("", Int(verify.bytesHashed))])
        family("modeld_files_verified_total", "counter", "Files found good by a verification.", [("", Int(verify.filesVerified))])
        family(
            "modeld_update_available", "gauge", "1 when the hub names a newer revision than the model is on.",
            updatesAvailable.sorted { $0.key < $1.key }.map { ("{model=\"\($0.key)\"}", $0.value ? 1 : 0) })
        family(
            "modeld_model_uses_total", "counter", "Generations ended (release, report, dropped lease) by model and outcome, since start.",
            usage.uses.sorted { $0.key < $1.key }.flatMap { model, outcomes in
                UsageMetrics.Outcome.allCases.map { ("{model=\"\(model)\",outcome=\"\($0.rawValue)\"}", outcomes[$0] ?? 0) }
            })
        header("modeld_generation_seconds", "histogram", "How long generations took, by model, since start.")
        for (model, generations) in usage.generations.sorted(by: { $0.key < $1.key }) {
            var cumulated = 0
            for (index, bound) in (UsageMetrics.bounds.map { Self.number($0) } + ["+Inf"]).enumerated() {
                cumulated += generations.buckets[index]
                text += "modeld_generation_seconds_bucket{model=\"\(model)\",le=\"\(bound)\"} \(cumulated)\n"
            }
            text += "modeld_generation_seconds_sum{model=\"\(model)\"} \(Self.number(generations.sum))\n"
            text += "modeld_generation_seconds_count{model=\"\(model)\"} \(generations.count)\n"
        }
        family(
            "modeld_mock_fallbacks_total", "counter", "Acquires answered mock_generation (no real model could serve), since start.",
            usage.mockFallbacks.sorted { $0.key < $1.key }.map { ("{model=\"\($0.key)\"}", $0.value) })
        family(
            "modeld_health_degraded", "gauge", "Figures of the model's generations degraded against its baseline now.",
            degraded.sorted { $0.key < $1.key }.map { ("{model=\"\($0.key)\"}", $0.value) })
        return text
    }

    /// A sample value: whole numbers without a fraction.
    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
