import ModeldCore
import Testing

/// A fixture of `--query-compute-apps` output and what must come out of it.
struct GPUProcessFixture: Sendable, CustomTestStringConvertible {
    var file: String
    /// The fields the run asked for, for files without a header; nil when there is one.
    var columns: [String]? = nil
    var count: Int
    var first: GPUProcess?
    var last: GPUProcess?

    var testDescription: String { file }
}

private let zeroUUID = "GPU-00000000-0000-0000-0000-000000000000"

let gpuProcessFixtures: [GPUProcessFixture] = [
    // Header only: no process uses the GPU.
    GPUProcessFixture(file: "h200_590.48.01_compute-apps_idle_empty.csv", count: 0),
    GPUProcessFixture(
        file: "h200_590.48.01_compute-apps_load.csv", count: 3,
        first: GPUProcess(gpuUUID: zeroUUID, pid: 10291, name: "/root/tools/memhog", usedMemoryMiB: 2566),
        last: GPUProcess(gpuUUID: zeroUUID, pid: 10309, name: "./gpu_burn", usedMemoryMiB: 28234)),
    GPUProcessFixture(
        file: "h100-mig_590.48.01_compute-apps_load.csv", count: 3,
        first: GPUProcess(gpuUUID: zeroUUID, pid: 21180, name: "/root/tools/memhog", usedMemoryMiB: 2296),
        last: GPUProcess(gpuUUID: zeroUUID, pid: 21198, name: "./gpu_burn", usedMemoryMiB: 7484)),
    // `[Not Found]`: a process in another PID namespace; its name is unknown.
    GPUProcessFixture(
        file: "unattributed_8xh200_compute-apps_NotFound.csv", count: 4,
        first: GPUProcess(
            gpuUUID: "GPU-a44622e3-2296-6285-0a86-84d0f6c67900", pid: 1_328_667, name: "/usr/local/bin/python3.10",
            usedMemoryMiB: 130004),
        last: GPUProcess(
            gpuUUID: "GPU-28780eb0-24d5-1f13-59b8-ae5c23617a72", pid: 1_758_887, name: nil, usedMemoryMiB: 58060)),
    GPUProcessFixture(
        file: "unattributed_rtx3090_compute-apps_noheader-nounits.csv",
        columns: ["timestamp", "gpu_name", "pid", "process_name", "used_memory"], count: 1,
        first: GPUProcess(gpuUUID: nil, pid: 1_106_871, name: "/app/llama-server", usedMemoryMiB: 23342),
        last: GPUProcess(gpuUUID: nil, pid: 1_106_871, name: "/app/llama-server", usedMemoryMiB: 23342)),
]

@Suite struct NvidiaSMIProcessTests {
    @Test(arguments: gpuProcessFixtures)
    func fixtureIsRead(_ fixture: GPUProcessFixture) throws {
        let text = try NvidiaSMIFixtures.text(fixture.file)
        let processes =
            try fixture.columns.map { try NvidiaSMI.parseProcesses(text, columns: $0) }
            ?? NvidiaSMI.parseProcesses(text)
        #expect(processes.count == fixture.count)
        #expect(processes.first == fixture.first)
        #expect(processes.last == fixture.last)
    }

    @Test func theDaemonsOwnQueryIsReadInArgumentOrder() throws {
        #expect(NvidiaSMI.appsQueryArguments == [
            "--query-compute-apps=gpu_uuid,pid,process_name,used_memory", "--format=csv,noheader,nounits",
        ])
        let text = """
            GPU-a44622e3-2296-6285-0a86-84d0f6c67900, 1328667, /usr/local/bin/python3.10, 130004
            GPU-28780eb0-24d5-1f13-59b8-ae5c23617a72, 1758887, [Not Found], [N/A]


            """
        #expect(try NvidiaSMI.parseProcesses(text) == [
            GPUProcess(
                gpuUUID: "GPU-a44622e3-2296-6285-0a86-84d0f6c67900", pid: 1_328_667,
                name: "/usr/local/bin/python3.10", usedMemoryMiB: 130004),
            GPUProcess(gpuUUID: "GPU-28780eb0-24d5-1f13-59b8-ae5c23617a72", pid: 1_758_887),
        ])
    }

    /// nvidia-smi does not quote, so a comma in a path splits it; it is joined back.
    @Test func aCommaInAProcessNameIsKept() throws {
        let text = "GPU-x, 42, /srv/a, b/python3 serve.py, 1024\n"
        #expect(try NvidiaSMI.parseProcesses(text) == [
            GPUProcess(gpuUUID: "GPU-x", pid: 42, name: "/srv/a, b/python3 serve.py", usedMemoryMiB: 1024)
        ])
    }

    @Test(arguments: ["", "\n\n", "gpu_uuid, pid, process_name, used_memory [MiB]\n"])
    func noRowsIsNoProcess(_ text: String) throws {
        #expect(try NvidiaSMI.parseProcesses(text) == [])
    }

    /// Without a pid a row cannot be a `GPUProcess`: the list is unknown, not empty.
    @Test func rowsWithoutAPidColumnAreRefused() throws {
        let text = try NvidiaSMIFixtures.text("dcgm-exporter-94_compute-apps_multi-gpu.csv")
        let error = #expect(throws: GPUUnknown.self) { try NvidiaSMI.parseProcesses(text) }
        #expect(error?.reason == "nvidia-smi listed GPU processes without their pid")
    }

    @Test func anErrorTextIsRefused() throws {
        let text = try NvidiaSMIFixtures.text("errors/driver-not-loaded.txt")
        let error = #expect(throws: GPUUnknown.self) { try NvidiaSMI.parseProcesses(text) }
        let printed = "nvidia-smi listed no GPU process (it printed: \"NVIDIA-SMI has failed"
        #expect(error?.reason.hasPrefix(printed) == true)
    }
}

@Suite struct NvidiaSMIMergeTests {
    @Test func processesAttachToTheirGPUByUUID() throws {
        let gpus = try NvidiaSMI.parseGPUs(NvidiaSMIFixtures.text("unattributed_8xh200_query-gpu_header-units.csv"))
        let processes = try NvidiaSMI.parseProcesses(
            NvidiaSMIFixtures.text("unattributed_8xh200_compute-apps_NotFound.csv"))
        let merged = NvidiaSMI.merge(gpus: gpus, processes: processes)
        #expect(merged.map { $0.processes.map(\.pid) } == [
            [1_328_667], [1_328_668], [], [1_328_669], [], [], [], [1_758_887],
        ])
        // Nothing else about the GPUs changes.
        #expect(merged.map { var gpu = $0; gpu.processes = []; return gpu } == gpus)
    }

    @Test func unmatchedProcessesAreDroppedAndGPUsWithoutUUIDGetNone() {
        let gpus = [
            GPUReading(index: 0, uuid: "GPU-a", processes: [GPUProcess(gpuUUID: "GPU-a", pid: 1)]),
            GPUReading(index: 1, uuid: nil),
        ]
        let processes = [
            GPUProcess(gpuUUID: "GPU-a", pid: 10), GPUProcess(gpuUUID: "GPU-a", pid: 11),
            GPUProcess(gpuUUID: "GPU-elsewhere", pid: 12), GPUProcess(gpuUUID: nil, pid: 13),
        ]
        let merged = NvidiaSMI.merge(gpus: gpus, processes: processes)
        #expect(merged[0].processes.map(\.pid) == [10, 11])
        #expect(merged[1].processes == [])
    }
}
