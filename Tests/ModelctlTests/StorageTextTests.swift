import Foundation
import ModeldCore
import ModeldProtocol
import Testing

@testable import modelctl

/// What `modelctl resources`, `cleanup` and `watch` print for the storage issue's results.
@Suite struct StorageTextTests {
    static let disk = DiskReport(
        paths: ["/var/lib/modeld/hub", "/var/lib/modeld"], totalBytes: 1000 << 30, freeBytes: 250 << 30,
        freeToRootBytes: 300 << 30, reserveBytes: 5 << 30, warnBelowBytes: 50 << 30)

    @Test func resourcesShowADiskBarMemoryAndEachGPUWithItsProcesses() {
        let gpu = GPUReading(
            index: 0, uuid: "GPU-1", name: "NVIDIA H200", memoryTotalMiB: 143771, memoryUsedMiB: 32342, memoryFreeMiB: 110871,
            utilizationPercent: 97, temperatureC: 61,
            processes: [GPUProcess(gpuUUID: "GPU-1", pid: 10309, name: "./gpu_burn", usedMemoryMiB: 28234)])
        let text = Resources.describe(ResourcesResult(
            disk: [Self.disk], memory: MemoryReading(totalBytes: 64 << 30, availableBytes: 40 << 30, swapTotalBytes: 0, swapFreeBytes: 0),
            gpus: .known([gpu]), checked: Date()))
        #expect(text == """
            Disk    /var/lib/modeld/hub, /var/lib/modeld
                    [##############------] 70% used, 250 GiB free of 1000 GiB; warns below 50 GiB
            Memory  40 GiB available of 64 GiB
            GPU 0   NVIDIA H200, VRAM 32342 MiB used, 110871 MiB free of 143771 MiB, 97% busy, 61°C
                    pid 10309 ./gpu_burn: 28234 MiB
            """)
    }

    @Test func unknownGPUsAndMemorySayWhy() {
        let text = Resources.describe(ResourcesResult(
            disk: [], memory: nil, memoryUnknown: "open(/proc/meminfo): No such file or directory",
            gpus: .unknown(reason: "the NVIDIA driver is not loaded"), checked: Date()))
        #expect(text == """
            Memory  unknown: open(/proc/meminfo): No such file or directory
            GPU     state unknown: the NVIDIA driver is not loaded
            """)
    }

    @Test func aDryRunListsEachCandidateWithItsSizeAndWhatIsKept() {
        let result = CleanupResult(
            dryRun: true, freeBytes: 20 << 30, targetFreeBytes: 50 << 30,
            candidates: [
                CleanupCandidate(kind: .partialFile, bytes: 2 << 30, reason: "partial download left 3 days ago",
                                 paths: ["/hub/models--a--b/blobs/abc.incomplete"]),
                CleanupCandidate(kind: .model, model: "t2v-A14B", bytes: 118 << 30, reason: "never used", paths: []),
            ],
            kept: [CleanupSkip(model: "ti2v-5B", why: "pinned")], freedBytes: 120 << 30)
        #expect(Cleanup.describe(result) == """
            Would remove (20 GiB free, target 50 GiB):
              2 GiB      abc.incomplete: partial download left 3 days ago
              118 GiB    t2v-A14B: never used
            Would free 120 GiB.
              kept ti2v-5B: pinned
            """)
    }

    @Test func diskLowIsOneLineWithTheSuggestedCommands() throws {
        let line = #"{"event":"disk.low","time":"2026-11-21T13:22:11Z","seq":1,"path":"/hub","free_bytes":1073741824,"threshold_bytes":53687091200,"suggestions":[{"command":"modelctl evict t2v-A14B","why":"never used","frees_bytes":1}]}"#
        #expect(Watch.describe(try WireCodec.decoder.decode(JSONValue.self, from: Data(line.utf8)))
            == "13:22:11 disk.low /hub: 1 GiB free, under 50 GiB; try modelctl evict t2v-A14B")
    }
}
