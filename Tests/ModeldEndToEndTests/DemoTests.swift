import Foundation
import ModeldProtocol
import ModeldTestSupport
import Testing

/// `make demo`'s pieces as the Makefile puts them together: the demo hub program, and the
/// daemon on `Config/demo.toml` pointed at it, offline. The tour of README.md works:
/// a mock fallback before anything is here, a pull, the alternative it makes possible,
/// and the gated twin refused without a token.
@Suite(.timeLimit(.minutes(10))) struct DemoTests {
    static let config = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Config/demo.toml")
        .standardizedFileURL.path

    @Test func theDemoHubServesTheDemoCatalogOffline() throws {
        let directory = try TemporaryDirectory()
        let hub = try ChildProcess(
            Binaries.directory + "/modeld-demo-hub", ["--bytes-per-second", "50000000"], environment: ChildProcess.baseEnvironment,
            outputDirectory: directory.path)
        defer { hub.signal(SIGTERM) }
        var endpoint = ""
        try waitUntil("the demo hub to print its endpoint", timeout: .seconds(20)) {
            let printed = (try? String(contentsOfFile: hub.outputPath, encoding: .utf8)) ?? ""
            endpoint = printed.split(separator: "\n").first { $0.hasPrefix("HF_ENDPOINT=") }.map { String($0.dropFirst("HF_ENDPOINT=".count)) } ?? ""
            return !endpoint.isEmpty
        }

        let daemon = try DaemonHarness(config: try String(contentsOfFile: Self.config, encoding: .utf8))
        try daemon.startReady(environment: ["HF_ENDPOINT": endpoint])
        // Each model's first verification over: every file found missing.
        try waitUntil("the first verification of the demo models") {
            let models = try daemon.request("status").decode(StatusResult.self).models
            return models.count == 3 && models.allSatisfy { $0.state == .missing && $0.files?.missing.count == 5 && $0.verify?.last != nil }
        }
        let client = try daemon.client()
        let before = try AvailabilityTests.acquire(client, "demo-big")
        #expect(before.strategy == .mockGeneration && before.setup?.command == "modelctl pull demo-mini", "\(String(describing: before.message))")

        let pull = try daemon.modelctl(["--socket", daemon.socketPath, "pull", "demo-mini"])
        #expect(pull.status == 0, "\(pull.output)\(pull.error)")
        #expect(try daemon.waitForState("demo-mini", .available).ready)
        let after = try AvailabilityTests.acquire(client, "demo-big")
        #expect(after.strategy == .alternativeModel && after.alternatives?.first?.model == "demo-mini")

        #expect(try daemon.request("pull", ["model": .string("demo-gated")]).ok)
        let gated = try daemon.waitForState("demo-gated", .failed, timeout: .seconds(30))
        #expect(gated.download?.lastError?.code == .gated, "\(String(describing: gated.download?.lastError))")
    }
}
