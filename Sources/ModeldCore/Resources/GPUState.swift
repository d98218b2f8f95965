/// What the daemon knows about the GPUs after one nvidia-smi run. `unknown` is its own
/// case so that a failed run can never be mistaken for GPUs with no free memory.
public enum GPUState: Sendable, Equatable, Codable {
    case known([GPUReading])
    /// Shown as "GPU state unknown: <reason>".
    case unknown(reason: String)
}
