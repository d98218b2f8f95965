import Foundation

extension NvidiaSMI {
    /// The GPU state from one `--query-gpu` run (`gpuQueryArguments`).
    ///
    /// Known failure messages are looked for first, whatever the exit status: the message
    /// names the cause, the status alone does not. Then any other non-zero status is a
    /// failure; only then are rows read. A run that yields no GPU is unknown,
    /// never "a machine with no GPU memory".
    /// - Parameter output: everything the run printed, stderr included: that is where
    ///   some failure messages may go.
    public static func outcome(exitStatus: Int32, output: String) -> GPUState {
        let lines = output.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }
        if let reason = knownFailure(lines) { return .unknown(reason: reason) }
        guard exitStatus == 0 else {
            let said = lines.first.map { ": \(quoted($0))" } ?? " and printed nothing"
            return .unknown(reason: "nvidia-smi exited with status \(exitStatus)\(said)")
        }
        do {
            let gpus = try parseGPUs(output)
            return gpus.isEmpty ? .unknown(reason: "nvidia-smi listed no GPU") : .known(gpus)
        } catch {
            return .unknown(reason: error.reason)
        }
    }

    /// A plain reason for nvidia-smi's known failure messages (see the fixtures in
    /// `errors/`), with the usual fix where there is one; nil when none is present.
    static func knownFailure(_ lines: [Substring]) -> String? {
        let lines = lines.map { $0.trimmingCharacters(in: .whitespaces) }
        for line in lines {
            if line.contains("couldn't communicate with the NVIDIA driver") {
                return "the NVIDIA driver is not loaded "
                    + "(check that it is installed for the running kernel, then load the nvidia module)"
            }
            if line.hasPrefix("Failed to initialize NVML: Driver/library version mismatch") {
                // Newer drivers add "NVML library version: 550.144" on the next line.
                let prefix = "NVML library version:"
                let version = lines.first { $0.hasPrefix(prefix) }?.dropFirst(prefix.count)
                let library = version.map { "library \($0.trimmingCharacters(in: .whitespaces)); " } ?? ""
                return "NVML driver/library version mismatch (\(library)reboot or reload the nvidia kernel module)"
            }
            if line.hasPrefix("Failed to initialize NVML: ") {
                return "NVML failed to initialize: \(line.dropFirst("Failed to initialize NVML: ".count))"
            }
            if line.hasPrefix("No devices were found") {
                return "nvidia-smi found no NVIDIA GPU (check that the GPU is visible to this machine or container)"
            }
            if let handle = line.firstRange(of: "Unable to determine the device handle for GPU ") {
                // "<bus id>: <detail>"; the bus id holds colons but never ": ".
                let parts = line[handle.upperBound...].split(separator: ": ", maxSplits: 1)
                let bus = parts.first.map(String.init) ?? "?"
                let detail = parts.count > 1 ? String(parts[1]) : "no detail"
                if detail.contains("GPU is lost") {
                    return "GPU \(bus) is lost (reboot the system to recover it)"
                }
                return "nvidia-smi cannot reach GPU \(bus): \(detail) (see the kernel log for NVIDIA Xid errors)"
            }
        }
        return nil
    }
}
