import Foundation
import ModeldCore
import ModeldProtocol
import ModeldTestSupport
import Testing

/// `resources` and what the daemon makes of the GPUs, with a fake `nvidia-smi` first on
/// `PATH`: one that prints a real capture, one that fails like a machine without its
/// driver, one that hangs. The daemon must tell the right VRAM or the right reason, and
/// keep answering.
@Suite(.timeLimit(.minutes(10))) struct ResourcesTests {
    /// A real capture; the test fails when the fixture is missing.
    static func fixture(_ name: String) throws -> String { try TestFixtures.path("nvidia-smi/" + name) }

    /// An `nvidia-smi` that runs `body` (sh), in the folder that is the daemon's whole `PATH`.
    static func fakeNvidiaSMI(_ body: String, in daemon: DaemonHarness) throws {
        let script = try daemon.directory.write(
            "bin/nvidia-smi", "#!/bin/sh\nPATH=/usr/bin:/bin\n" + body + "\n")
        guard chmod(script, 0o755) == 0 else { throw TestSupportError("chmod \(script): errno \(errno)") }
    }

    /// The big model needs 80 GB, the small one 24 GB, as in the Wan2.2 catalog.
    static func daemon() throws -> DaemonHarness {
        try AvailabilityTests.daemon()
    }

    @Test func aCapturedH200IsReadWithItsProcessesAndBothModelsFit() throws {
        let daemon = try Self.daemon()
        try Self.fakeNvidiaSMI(
            """
            case "$*" in
              *--query-gpu*) cat "\(try Self.fixture("h200_590.48.01_query-gpu_full_load.csv"))" ;;
              *--query-compute-apps*) cat "\(try Self.fixture("h200_590.48.01_compute-apps_load.csv"))" ;;
            esac
            """, in: daemon)
        try daemon.startReady()

        let resources = try daemon.request("resources").decode(ResourcesResult.self)
        let gpu = try #require(resources.gpus?.first, "\(resources)")
        #expect(resources.gpus?.count == 1 && resources.gpuUnknown == nil)
        #expect(gpu.name == "NVIDIA H200")
        #expect(gpu.memoryTotalMiB == 143771)
        #expect(gpu.processes.map(\.pid) == [10291, 10293, 10309])
        #expect(gpu.processes.last?.usedMemoryMiB == 28234)
        #expect(resources.memory.map { $0.totalBytes > $0.availableBytes && $0.availableBytes > 0 } == true)
        #expect(resources.disk.first?.paths.contains(daemon.directory.file("cache")) == true)

        let status = try daemon.request("status").decode(StatusResult.self)
        #expect(status.models.allSatisfy { $0.fitsVRAM == true }, "\(status.models.map(\.fitsVRAM))")

        let shown = try daemon.modelctl(["--socket", daemon.socketPath, "resources"])
        #expect(shown.status == 0)
        #expect(shown.output.contains("GPU 0   NVIDIA H200, VRAM"), "\(shown.output)")
        #expect(shown.output.contains("pid 10309 ./gpu_burn: 28234 MiB"), "\(shown.output)")
        #expect(shown.output.contains("Memory  ") && shown.output.contains("% used"), "\(shown.output)")
    }

    @Test func aModelTooBigForThisGPUSaysSoAndPointsAtOneThatFits() throws {
        let daemon = try Self.daemon()
        // The columns of the daemon's own query, as a 24 GB RTX 3090 answers it.
        try Self.fakeNvidiaSMI(
            """
            case "$*" in
              *--query-gpu*) echo "0, GPU-3f2a5c1e-0000-0000-0000-000000000000, NVIDIA GeForce RTX 3090, 24576, 767, 23358, 29, 45" ;;
              *) true ;;
            esac
            """, in: daemon)
        try daemon.startReady()
        try waitUntil("the GPU is known") { try daemon.request("resources").decode(ResourcesResult.self).gpus != nil }

        let big = try daemon.request("status", ["model": .string(AvailabilityTests.big)]).decode(StatusResult.self).models[0]
        #expect(big.fitsVRAM == false)
        let action = try #require(big.actions.first { $0.why.contains("GPU memory") }, "\(big.actions)")
        #expect(action.why == "\(AvailabilityTests.big) needs ≥ 80 GB of GPU memory; this GPU has 24 GB: use \(AvailabilityTests.small)")
        #expect(action.command == "modelctl pull \(AvailabilityTests.small)")
        let small = try daemon.request("status", ["model": .string(AvailabilityTests.small)]).decode(StatusResult.self).models[0]
        #expect(small.fitsVRAM == true)

        // acquire without `needs.vram_gb` now knows the GPU.
        let answer = try AvailabilityTests.acquire(try daemon.client(), AvailabilityTests.big)
        #expect(answer.message?.contains("this GPU has 24 GB") == true, "\(answer)")
        #expect(answer.hint?.contains("modelctl pull \(AvailabilityTests.small)") == true, "\(answer)")
    }

    @Test(arguments: [
        ("driver-not-loaded.txt", "driver"),
        ("nvml-version-mismatch_new.txt", "mismatch"),
        ("no-devices-found.txt", "no NVIDIA GPU"),
    ])
    func aFailingNvidiaSMIIsUnknownWithItsReasonNeverZeroVRAM(fixture: String, reason: String) throws {
        let daemon = try Self.daemon()
        try Self.fakeNvidiaSMI("cat \"\(try Self.fixture("errors/" + fixture))\"\nexit 9", in: daemon)
        try daemon.startReady()
        let resources = try daemon.request("resources").decode(ResourcesResult.self)
        #expect(resources.gpus == nil)
        let unknown = try #require(resources.gpuUnknown)
        #expect(unknown.localizedCaseInsensitiveContains(reason), "\(unknown)")
        let status = try daemon.request("status").decode(StatusResult.self)
        #expect(status.models.allSatisfy { $0.fitsVRAM == nil || $0.fitsVRAM == true && $0.model != AvailabilityTests.big })

        let shown = try daemon.modelctl(["--socket", daemon.socketPath, "resources"])
        #expect(shown.output.contains("GPU     state unknown: "), "\(shown.output)")
    }

    @Test func aMissingBinaryIsUnknownAndSaysWhatToInstall() throws {
        let daemon = try DaemonHarness(config: "")
        try daemon.directory.write("modeld.toml", """
            [gpu]
            nvidia_smi = "\(daemon.directory.file("no-such/nvidia-smi"))"
            """)
        try daemon.startReady()
        let resources = try daemon.request("resources").decode(ResourcesResult.self)
        #expect(resources.gpus == nil)
        #expect(resources.gpuUnknown?.contains("was not found") == true, "\(String(describing: resources.gpuUnknown))")
    }

    @Test func aHangingNvidiaSMIIsCutAtItsTimeoutAndTheDaemonKeepsAnswering() throws {
        let daemon = try Self.daemon()
        // A child of the script, as a wrapper would have: the kill must reach it too.
        try Self.fakeNvidiaSMI("sleep 6001 &\nwait", in: daemon)
        try daemon.startReady()

        let begun = ContinuousClock.now
        let asking = try daemon.client(timeout: .seconds(30))
        try asking.send(line: Data(#"{"cmd":"resources"}"#.utf8))
        // While that request waits on the hung probe, everything else answers: five
        // statuses come back before the `resources` answer (which the 5 s timeout ends).
        for _ in 0..<5 { #expect(try daemon.request("status").ok) }
        #expect(try !asking.hasInputWaiting(), "the resources answer came before the statuses: they waited for the probe")
        let line = try #require(try asking.readLine())
        let resources = try WireCodec.decoder.decode(Response.self, from: line).decode(ResourcesResult.self)
        let waited = ContinuousClock.now - begun
        #expect(resources.gpus == nil)
        #expect(resources.gpuUnknown?.contains("did not answer within 5s") == true, "\(String(describing: resources.gpuUnknown))")
        #expect(waited < .seconds(60), "the probe was cut at its timeout, not left for its 6001 s: \(waited)")
        // The hung children were killed, not left behind.
        try waitUntil("no nvidia-smi is left running") {
            let found = try ChildProcess.run("/usr/bin/pgrep", ["-f", "sleep 6001"], in: daemon.directory.path)
            return found.output.isEmpty
        }
    }
}
