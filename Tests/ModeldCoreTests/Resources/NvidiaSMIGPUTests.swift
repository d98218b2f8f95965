import ModeldCore
import Testing

/// A fixture of `--query-gpu` output and what must come out of it. Values are read off
/// the files by hand, not produced by the code under test.
struct GPUFixture: Sendable, CustomTestStringConvertible {
    var file: String
    /// The fields the run asked for, for files without a header; nil when there is one.
    var columns: [String]? = nil
    var count: Int
    var first: GPUReading

    var testDescription: String { file }
}

private let zeroUUID = "GPU-00000000-0000-0000-0000-000000000000"

let gpuFixtures: [GPUFixture] = [
    // The 212-field (202 on the consumer card) captures, with units in the header and
    // the values, and `[N/A]`, `N/A` and `[Requested functionality…]` in other columns.
    GPUFixture(
        file: "h200_590.48.01_query-gpu_full_idle.csv", count: 1,
        first: GPUReading(
            index: 0, uuid: zeroUUID, name: "NVIDIA H200", memoryTotalMiB: 143771, memoryUsedMiB: 0,
            memoryFreeMiB: 143158, utilizationPercent: 0, temperatureC: 28)),
    GPUFixture(
        file: "h200_590.48.01_query-gpu_full_load.csv", count: 1,
        first: GPUReading(
            index: 0, uuid: zeroUUID, name: "NVIDIA H200", memoryTotalMiB: 143771, memoryUsedMiB: 32362,
            memoryFreeMiB: 110796, utilizationPercent: 100, temperatureC: 52)),
    // MIG enabled: utilization.gpu is `[N/A]`, which must stay unknown, not 0 %.
    GPUFixture(
        file: "h100-mig_590.48.01_query-gpu_full_idle.csv", count: 1,
        first: GPUReading(
            index: 0, uuid: zeroUUID, name: "NVIDIA H100 80GB HBM3", memoryTotalMiB: 81559, memoryUsedMiB: 59,
            memoryFreeMiB: 81022, utilizationPercent: nil, temperatureC: 42)),
    GPUFixture(
        file: "rtx4080super_595.71.05_query-gpu_full_idle.csv", count: 1,
        first: GPUReading(
            index: 0, uuid: zeroUUID, name: "NVIDIA GeForce RTX 4080 SUPER", memoryTotalMiB: 16376,
            memoryUsedMiB: 596, memoryFreeMiB: 15348, utilizationPercent: 0, temperatureC: 43)),
    GPUFixture(
        file: "unattributed_8xh200_query-gpu_header-units.csv", count: 8,
        first: GPUReading(
            index: 0, uuid: "GPU-a44622e3-2296-6285-0a86-84d0f6c67900", memoryTotalMiB: 143771,
            memoryUsedMiB: 130013, utilizationPercent: 100)),
    // A header naming one column only: no index, so the row number stands in.
    GPUFixture(file: "tuxclocker-15_header_NotSupported.csv", count: 1, first: GPUReading(index: 0)),
    // No header: the columns are the ones each project asked for (see the README).
    GPUFixture(
        file: "i3pystatus-776_noheader-nounits_new-driver_NA.csv",
        columns: i3pystatusColumns, count: 1,
        first: GPUReading(
            index: 0, memoryTotalMiB: 2004, memoryUsedMiB: 0, memoryFreeMiB: 2004, utilizationPercent: 0,
            temperatureC: 44)),
    GPUFixture(
        file: "i3pystatus-776_noheader-nounits_old-driver_NotSupported.csv",
        columns: i3pystatusColumns, count: 1,
        first: GPUReading(
            index: 0, memoryTotalMiB: 2004, memoryUsedMiB: 0, memoryFreeMiB: 2004, utilizationPercent: 0,
            temperatureC: 44)),
    GPUFixture(
        file: "gpustack-888_noheader-units_vgpu_NA.csv",
        columns: ["index", "name", "memory.total", "memory.used", "utilization.gpu", "temperature.gpu"], count: 1,
        first: GPUReading(
            index: 0, name: "NVIDIA A10-12Q", memoryTotalMiB: 12288, memoryUsedMiB: 227, utilizationPercent: 0,
            temperatureC: nil)),
    // The issue does not show the command; these are the 12 fields miners of that
    // family ask for, which fit the values (`52 %` is the fan, `P0` the pstate).
    GPUFixture(
        file: "megaminer-235_noheader-units_NotSupported.csv",
        columns: [
            "name", "utilization.gpu", "utilization.memory", "temperature.gpu", "power.draw", "power.limit",
            "fan.speed", "pstate", "clocks.current.graphics", "clocks.current.memory", "power.max_limit",
            "power.default_limit",
        ], count: 1,
        first: GPUReading(index: 0, name: "GeForce GTX 770", utilizationPercent: nil, temperatureC: 52)),
    // The query is not recorded; the columns read here are inferred from the values
    // (the card name and UUID, 7979 MiB on an 8 GB card); the rest are left unnamed.
    GPUFixture(
        file: "gpu-utils-83_noheader-nounits_rtx2080.csv",
        columns: [
            "power.limit", "power.min_limit", "power.max_limit", "memory.total", "vbios_version",
            "driver_version", "name", "uuid", "power.draw", "temperature.gpu", "?", "?", "?", "?", "?", "?", "?",
            "?", "pstate",
        ], count: 1,
        first: GPUReading(
            index: 0, uuid: "GPU-22b2c6ac-2d49-4863-197c-9c469071178a", name: "GeForce RTX 2080",
            memoryTotalMiB: 7979, temperatureC: 45)),
    // Also inferred: used is 23358 MiB, matching the 23342 MiB of the llama-server
    // process captured with it, so free (767) comes before used.
    GPUFixture(
        file: "unattributed_rtx3090_query-gpu_noheader-nounits.csv",
        columns: [
            "index", "name", "?", "?", "memory.total", "memory.free", "memory.used", "?", "?", "?", "?", "pstate",
            "?",
        ], count: 1,
        first: GPUReading(
            index: 0, name: "NVIDIA GeForce RTX 3090", memoryTotalMiB: 24576, memoryUsedMiB: 23358,
            memoryFreeMiB: 767)),
]

private let i3pystatusColumns = [
    "memory.total", "memory.free", "memory.used", "temperature.gpu", "fan.speed", "utilization.gpu",
    "utilization.memory",
]

/// The daemon's own query (`NvidiaSMI.gpuQueryArguments`) as nvidia-smi answers it:
/// no header, no units. Two H200s, values taken from the captures above.
private let daemonQueryOutput = """
    0, GPU-a44622e3-2296-6285-0a86-84d0f6c67900, NVIDIA H200, 143771, 130013, 143158, 100, 52
    1, GPU-4f31bb83-f8dc-d0af-029e-bc4356e6afeb, NVIDIA H200, 143771, [N/A], 143158, [N/A], 28

    """

@Suite struct NvidiaSMIGPUTests {
    @Test(arguments: gpuFixtures)
    func fixtureIsRead(_ fixture: GPUFixture) throws {
        let text = try NvidiaSMIFixtures.text(fixture.file)
        let gpus =
            try fixture.columns.map { try NvidiaSMI.parseGPUs(text, columns: $0) } ?? NvidiaSMI.parseGPUs(text)
        #expect(gpus.count == fixture.count)
        #expect(gpus.first == fixture.first)
    }

    @Test func everyRowOfAMultiGPUListIsRead() throws {
        let gpus = try NvidiaSMI.parseGPUs(
            NvidiaSMIFixtures.text("unattributed_8xh200_query-gpu_header-units.csv"))
        #expect(gpus.map(\.index) == Array(0..<8))
        #expect(gpus.map(\.memoryUsedMiB) == [130013, 130053, 105851, 129993, 106091, 105851, 106139, 58071])
        #expect(gpus[7] == GPUReading(
            index: 7, uuid: "GPU-28780eb0-24d5-1f13-59b8-ae5c23617a72", memoryTotalMiB: 143771,
            memoryUsedMiB: 58071, utilizationPercent: 0))
    }

    @Test func theDaemonsOwnQueryIsReadInArgumentOrder() throws {
        #expect(NvidiaSMI.gpuQueryArguments == [
            "--query-gpu=index,uuid,name,memory.total,memory.used,memory.free,utilization.gpu,temperature.gpu",
            "--format=csv,noheader,nounits",
        ])
        let gpus = try NvidiaSMI.parseGPUs(daemonQueryOutput)
        #expect(gpus == [
            GPUReading(
                index: 0, uuid: "GPU-a44622e3-2296-6285-0a86-84d0f6c67900", name: "NVIDIA H200",
                memoryTotalMiB: 143771, memoryUsedMiB: 130013, memoryFreeMiB: 143158, utilizationPercent: 100,
                temperatureC: 52),
            GPUReading(
                index: 1, uuid: "GPU-4f31bb83-f8dc-d0af-029e-bc4356e6afeb", name: "NVIDIA H200",
                memoryTotalMiB: 143771, memoryUsedMiB: nil, memoryFreeMiB: 143158, utilizationPercent: nil,
                temperatureC: 28),
        ])
    }

    @Test func windowsLineEndsAndUnitsAreAccepted() throws {
        let text = "3, GPU-x, NVIDIA A100-SXM4-80GB, 81920 MiB, 1 MiB, 81000 MiB, 45 %, 31\r\n\r\n"
        #expect(try NvidiaSMI.parseGPUs(text) == [
            GPUReading(
                index: 3, uuid: "GPU-x", name: "NVIDIA A100-SXM4-80GB", memoryTotalMiB: 81920, memoryUsedMiB: 1,
                memoryFreeMiB: 81000, utilizationPercent: 45, temperatureC: 31)
        ])
    }

    /// Every "no value" marker nvidia-smi prints is unknown, never 0.
    @Test(arguments: [
        "[N/A]", "N/A", "[Not Supported]", "[Not Found]", "[Requested functionality has been deprecated]",
        "[Unknown Error]", "", "12 GiB",
    ])
    func markersAreUnknown(_ marker: String) throws {
        let text = "0, GPU-x, NVIDIA H200, \(marker), \(marker), \(marker), \(marker), \(marker)\n"
        let gpu = try #require(try NvidiaSMI.parseGPUs(text).first)
        #expect(gpu == GPUReading(index: 0, uuid: "GPU-x", name: "NVIDIA H200"))
    }

    @Test func aHeaderMayNameTheFieldsInAnyOrderAndByAlias() throws {
        let text = """
            temperature.gpu, gpu_name, memory.free [MiB], index, gpu_uuid
            40, Tesla T4, 15000 MiB, 2, GPU-t4

            """
        #expect(try NvidiaSMI.parseGPUs(text) == [
            GPUReading(index: 2, uuid: "GPU-t4", name: "Tesla T4", memoryFreeMiB: 15000, temperatureC: 40)
        ])
    }

    @Test func linesThatAreNotRowsAreSkippedBesideGoodOnes() throws {
        let text = "WARNING: infoROM is corrupted at gpu 0000:41:00.0\n" + daemonQueryOutput
        #expect(try NvidiaSMI.parseGPUs(text).map(\.index) == [0, 1])
    }

    @Test(arguments: ["", "\n", "index, name, memory.total [MiB]\n"])
    func noRowsIsNoGPU(_ text: String) throws {
        #expect(try NvidiaSMI.parseGPUs(text) == [])
    }

    /// `nvidia-smi -L` and the error texts have no GPU row: reading them must fail,
    /// not yield a GPU with unknown (let alone zero) memory.
    @Test(arguments: [
        "h100-mig_590.48.01_list-L.txt", "errors/driver-not-loaded.txt", "errors/nvml-version-mismatch_old.txt",
        "errors/nvml-version-mismatch_new.txt", "errors/no-devices-found.txt", "errors/device-handle-unknown-error.txt",
        "errors/gpu-is-lost.txt",
    ])
    func textWithoutRowsIsRefused(_ file: String) throws {
        let text = try NvidiaSMIFixtures.text(file)
        let error = #expect(throws: GPUUnknown.self) { try NvidiaSMI.parseGPUs(text) }
        #expect(error?.reason.hasPrefix("nvidia-smi listed no GPU (it printed: \"") == true)
    }

    /// A new fixture must get expectations here or in the other suites.
    @Test func everyFixtureHasExpectations() throws {
        let covered = Set(
            gpuFixtures.map(\.file) + gpuProcessFixtures.map(\.file) + gpuErrorFixtures.map(\.file)
                + ["h100-mig_590.48.01_list-L.txt", "dcgm-exporter-94_compute-apps_multi-gpu.csv"])
        #expect(try NvidiaSMIFixtures.allFiles() == covered)
    }
}
