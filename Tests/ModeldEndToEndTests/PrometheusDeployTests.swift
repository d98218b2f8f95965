import Foundation
import ModeldProtocol
import ModeldTestSupport
import Testing

/// `Deploy/prometheus/` as Prometheus and Grafana would take it: the scrape config and the
/// alert rules pass promtool, the rules' own tests pass, and every metric the rules and the
/// dashboard ask for is one a real daemon exposes.
@Suite(.timeLimit(.minutes(10))) struct PrometheusDeployTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Deploy/prometheus")
        .standardizedFileURL.path

    static func promtool(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try #require(
            FileManager.default.isExecutableFile(atPath: MetricsEndpointTests.promtool), "promtool (Debian package prometheus) is needed: make test-deps")
        let scratch = try TemporaryDirectory()
        return try ChildProcess.run(MetricsEndpointTests.promtool, arguments, in: scratch.path)
    }

    @Test func promtoolAcceptsTheConfigAndTheRulesAndTheirTestsPass() throws {
        let rules = try Self.promtool(["check", "rules", Self.folder + "/modeld-alerts.yml"])
        #expect(rules.status == 0, "\(rules.output)\(rules.error)")
        let config = try Self.promtool(["check", "config", Self.folder + "/prometheus.yml"])
        #expect(config.status == 0, "\(config.output)\(config.error)")
        let tests = try Self.promtool(["test", "rules", Self.folder + "/modeld-alerts.test.yml"])
        #expect(tests.status == 0 && tests.output.contains("SUCCESS"), "\(tests.output)\(tests.error)")
    }

    @Test func everyAlertHasATestThatFiresItAndAnnotationsWithTheFix() throws {
        let rules = try String(contentsOfFile: Self.folder + "/modeld-alerts.yml", encoding: .utf8)
        let tests = try String(contentsOfFile: Self.folder + "/modeld-alerts.test.yml", encoding: .utf8)
        let alerts = rules.matches(of: #/- alert: (\w+)/#).map { String($0.output.1) }
        #expect(alerts.count >= 8)
        for alert in alerts {
            // Once with exp_alerts: [] (quiet) and once with an alert expected.
            #expect(tests.components(separatedBy: "alertname: \(alert)\n").count - 1 >= 2, "\(alert)")
        }
        #expect(rules.matches(of: #/description: ".*Fix: /#).count == alerts.count, "each description ends with the fix")
    }

    @Test func theDashboardParsesAndQueriesOnlyMetricsTheDaemonExposes() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.folder + "/grafana-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let expressions = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(panels.count >= 8 && expressions.count >= panels.count)
        let rules = try String(contentsOfFile: Self.folder + "/modeld-alerts.yml", encoding: .utf8)
        let asked = Set((expressions + [rules]).flatMap { $0.matches(of: #/modeld_[a-z_]+/#).map { String($0.output) } })

        let daemon = try DaemonHarness()
        try daemon.startReady()
        try daemon.waitForState("tiny", .missing)
        let text = try daemon.request("metrics").decode(MetricsResult.self).text
        #expect(try daemon.stop() == 0)
        let families = MetricsEndpointTests.families(text)
        for name in asked.sorted() {
            let family = ["_bucket", "_sum", "_count"].first { name.hasSuffix($0) }.map { String(name.dropLast($0.count)) } ?? name
            #expect(families.contains(family), "\(name) is not in the exposition")
        }
        for name in ["modeld_models", "modeld_download_bytes_total", "modeld_verify_bytes_hashed_total", "modeld_disk_free_bytes",
            "modeld_model_uses_total", "modeld_health_degraded", "modeld_mock_fallbacks_total"]
        {
            #expect(asked.contains(name), "the dashboard shows \(name)")
        }
    }
}
