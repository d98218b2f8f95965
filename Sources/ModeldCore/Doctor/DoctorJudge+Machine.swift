extension DoctorJudge {
    /// The resource monitor's own nvidia-smi probe. Not knowing the GPUs is a warning:
    /// a machine may serve CPU-only jobs, but `acquire` cannot then check VRAM.
    public static func gpu(_ state: GPUState, nvidiaSMI: String) -> DoctorCheck {
        switch state {
        case .known(let gpus):
            let cards = gpus.map { gpu in
                (gpu.name ?? "GPU \(gpu.index)") + (gpu.memoryTotalGB.map { ", \($0) GB" } ?? "")
            }.joined(separator: "; ")
            return DoctorCheck("gpu", .ok, "\(gpus.count) GPU\(gpus.count == 1 ? "" : "s"): \(cards)")
        case .unknown(let reason):
            return DoctorCheck(
                "gpu", .warn, "no GPU seen, so acquire cannot check VRAM: \(reason)",
                fix: "run \(nvidiaSMI) by hand; install the NVIDIA driver, or set [gpu] nvidia_smi to its path")
        }
    }

    /// Whether the user who asked may run admin commands: never a fault, worth knowing.
    public static func access(uid: UInt32, admin: Bool, adminGroup: String) -> DoctorCheck {
        admin
            ? DoctorCheck("access", .ok, "uid \(uid) may run every command, admin ones too")
            : DoctorCheck(
                "access", .ok,
                "uid \(uid) may run read and use commands; admin ones (pull, evict, reload, …) need root or the '\(adminGroup)' group")
    }
}
