import Foundation
import ModeldCore
import ModeldLinux
import ModeldProtocol
import Testing

@testable import ModeldDaemon

@Suite struct ExpositionTextTests {
    @Test func labelValuesAreEscapedAsTheFormatAsks() {
        #expect(ExpositionText.escaped(#"a"b\c"#) == #"a\"b\\c"#)
        #expect(ExpositionText.escaped("two\nlines") == #"two\nlines"#)
        #expect(ExpositionText.escaped("ti2v-5B") == "ti2v-5B")
        var text = ExpositionText()
        text.family("x_total", .counter, "Help.", [([("model", "a\"b"), ("outcome", "ok")], 3)])
        #expect(text.text == "# HELP x_total Help.\n# TYPE x_total counter\nx_total{model=\"a\\\"b\",outcome=\"ok\"} 3\n")
    }

    @Test func numbersAreWholeWhenTheyAreAndTheFormatsWordsOtherwise() {
        #expect(ExpositionText.number(42) == "42")
        #expect(ExpositionText.number(-3) == "-3")
        #expect(ExpositionText.number(0.25) == "0.25")
        #expect(ExpositionText.number(.infinity) == "+Inf")
        #expect(ExpositionText.number(-.infinity) == "-Inf")
        #expect(ExpositionText.number(.nan) == "NaN")
        #expect(ExpositionText.number(1e20) == "1e+20")
    }
}

@Suite struct MetricsRouteTests {
    @Test func onlyGetAndHeadOfMetrics() {
        #expect(MetricsRoute(method: "GET", target: "/metrics") == .exposition(withBody: true))
        #expect(MetricsRoute(method: "HEAD", target: "/metrics") == .exposition(withBody: false))
        #expect(MetricsRoute(method: "GET", target: "/metrics?name[]=up") == .exposition(withBody: true))
        #expect(MetricsRoute(method: "POST", target: "/metrics") == .methodNotAllowed)
        #expect(MetricsRoute(method: "DELETE", target: "/metrics?x") == .methodNotAllowed)
        for target in ["/", "/metrics/", "/metricsx", "/Metrics", "metrics", "", "?/metrics"] {
            #expect(MetricsRoute(method: "GET", target: target) == .notFound, "\(target)")
        }
        #expect(MetricsRoute.notFound.refusal?.code == 404 && MetricsRoute.methodNotAllowed.refusal?.code == 405)
        #expect(MetricsRoute.exposition(withBody: true).refusal == nil)
    }
}

@Suite struct ControlMetricsExpositionTests {
    @Test func factsBecomeFamiliesWithEveryModelAndState() {
        let downloaded = ByteCounter()
        let metrics = ControlMetrics(verify: VerifyCounters(), downloaded: downloaded)
        let facts = MetricsFacts(
            states: ["a": .failed, "b": .available], updatesAvailable: ["a": true], updateFailures: ["a": 2, "b": 0], degraded: ["b": 1],
            disk: [DiskReport(paths: ["/store", "/links"], totalBytes: 100, freeBytes: 7, freeToRootBytes: 9, reserveBytes: 5, warnBelowBytes: 50)],
            started: Date(timeIntervalSince1970: 1_700_000_000.5))
        let text = metrics.exposition(facts)
        for line in [
            "modeld_start_time_seconds 1700000000.5", "modeld_models{state=\"failed\"} 1", "modeld_models{state=\"available\"} 1",
            "modeld_models{state=\"missing\"} 0", "modeld_model_state{model=\"a\",state=\"failed\"} 1",
            "modeld_model_state{model=\"a\",state=\"available\"} 0", "modeld_model_state{model=\"b\",state=\"available\"} 1",
            "modeld_update_available{model=\"a\"} 1", "modeld_update_failures_total{model=\"a\"} 2", "modeld_update_failures_total{model=\"b\"} 0",
            "modeld_disk_free_bytes{path=\"/store\"} 7", "modeld_disk_reserve_bytes{path=\"/store\"} 5",
            "modeld_disk_warn_below_bytes{path=\"/store\"} 50", "modeld_disk_total_bytes{path=\"/store\"} 100",
            "modeld_health_degraded{model=\"b\"} 1", "modeld_download_bytes_total 0",
        ] {
            #expect(text.contains("\n" + line + "\n"), "\(line)")
        }
        #expect(text.components(separatedBy: "modeld_model_state{model=\"a\"").count - 1 == ModelState.allCases.count)
    }
}
