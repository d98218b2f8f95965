import ModeldCore
import Testing

/// A failing run's whole output and the reason it must give.
struct GPUErrorFixture: Sendable, CustomTestStringConvertible {
    var file: String
    var reason: String

    var testDescription: String { file }
}

let gpuErrorFixtures: [GPUErrorFixture] = [
    GPUErrorFixture(
        file: "errors/driver-not-loaded.txt",
        reason: "the NVIDIA driver is not loaded "
            + "(check that it is installed for the running kernel, then load the nvidia module)"),
    GPUErrorFixture(
        file: "errors/nvml-version-mismatch_old.txt",
        reason: "NVML driver/library version mismatch (reboot or reload the nvidia kernel module)"),
    GPUErrorFixture(
        file: "errors/nvml-version-mismatch_new.txt",
        reason: "NVML driver/library version mismatch (library 550.144; reboot or reload the nvidia kernel module)"),
    GPUErrorFixture(
        file: "errors/no-devices-found.txt",
        reason: "nvidia-smi found no NVIDIA GPU (check that the GPU is visible to this machine or container)"),
    GPUErrorFixture(
        file: "errors/device-handle-unknown-error.txt",
        reason: "nvidia-smi cannot reach GPU 0000:0B:00.0: Unknown Error "
            + "(see the kernel log for NVIDIA Xid errors)"),
    GPUErrorFixture(
        file: "errors/gpu-is-lost.txt", reason: "GPU 0000:02:00.0 is lost (reboot the system to recover it)"),
]

@Suite struct NvidiaSMIOutcomeTests {
    /// The exit statuses were not published with the texts, so each is tried with
    /// success and with failures: the text decides, and it is never `.known`.
    @Test(arguments: gpuErrorFixtures, [0, 6, 9, 15, 255] as [Int32])
    func knownErrorTextGivesItsReason(_ fixture: GPUErrorFixture, exitStatus: Int32) throws {
        let output = try NvidiaSMIFixtures.text(fixture.file)
        #expect(NvidiaSMI.outcome(exitStatus: exitStatus, output: output) == .unknown(reason: fixture.reason))
    }

    @Test func aKnownErrorBesideGoodRowsStillMakesTheStateUnknown() throws {
        let output = "0, GPU-a, NVIDIA H200, 143771, 0, 143158, 0, 28\n"
            + (try NvidiaSMIFixtures.text("errors/gpu-is-lost.txt"))
        #expect(
            NvidiaSMI.outcome(exitStatus: 15, output: output)
                == .unknown(reason: "GPU 0000:02:00.0 is lost (reboot the system to recover it)"))
    }

    @Test func otherNVMLFailuresAreNamed() {
        #expect(
            NvidiaSMI.outcome(exitStatus: 9, output: "Failed to initialize NVML: Insufficient Permissions\n")
                == .unknown(reason: "NVML failed to initialize: Insufficient Permissions"))
    }

    @Test func anUnknownFailureGivesTheStatusAndFirstLine() {
        #expect(
            NvidiaSMI.outcome(exitStatus: 2, output: "\nInvalid combination of input arguments.\nSee -h\n")
                == .unknown(reason: "nvidia-smi exited with status 2: \"Invalid combination of input arguments.\""))
        #expect(
            NvidiaSMI.outcome(exitStatus: 1, output: "")
                == .unknown(reason: "nvidia-smi exited with status 1 and printed nothing"))
    }

    /// Rows are read even after a good exit only if they are rows; no rows is unknown.
    @Test(arguments: ["", "\n", "index, uuid, name\n"])
    func successWithoutRowsListsNoGPU(_ output: String) {
        #expect(NvidiaSMI.outcome(exitStatus: 0, output: output) == .unknown(reason: "nvidia-smi listed no GPU"))
    }

    @Test func successWithTextThatIsNotRowsSaysWhatItPrinted() throws {
        let output = try NvidiaSMIFixtures.text("h100-mig_590.48.01_list-L.txt")
        let line = "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-00000000-0000-0000-0000-000000000000)"
        #expect(
            NvidiaSMI.outcome(exitStatus: 0, output: output)
                == .unknown(reason: "nvidia-smi listed no GPU (it printed: \"\(line)\")"))
    }

    @Test func successWithRowsIsKnown() throws {
        let output = try NvidiaSMIFixtures.text("h200_590.48.01_query-gpu_full_load.csv")
        guard case .known(let gpus) = NvidiaSMI.outcome(exitStatus: 0, output: output) else {
            Issue.record("expected .known")
            return
        }
        #expect(gpus.map(\.memoryUsedMiB) == [32362])
    }

    @Test func aLongLineIsShortenedInTheReason() {
        let line = String(repeating: "x", count: 300)
        guard case .unknown(let reason) = NvidiaSMI.outcome(exitStatus: 3, output: line) else {
            Issue.record("expected .unknown")
            return
        }
        #expect(reason == "nvidia-smi exited with status 3: \"" + String(repeating: "x", count: 120) + "…\"")
    }
}
