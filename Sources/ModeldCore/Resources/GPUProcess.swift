/// A compute process using a GPU, from `nvidia-smi --query-compute-apps`.
public struct GPUProcess: Sendable, Equatable, Codable {
    /// The UUID of the GPU it runs on: the key that attaches it to a `GPUReading`.
    public var gpuUUID: String?
    public var pid: Int
    /// nil when nvidia-smi prints `[Not Found]`: the process lives in another PID
    /// namespace (another container), so its name cannot be read from here.
    public var name: String?
    public var usedMemoryMiB: Int?

    public init(gpuUUID: String? = nil, pid: Int, name: String? = nil, usedMemoryMiB: Int? = nil) {
        self.gpuUUID = gpuUUID
        self.pid = pid
        self.name = name
        self.usedMemoryMiB = usedMemoryMiB
    }

    /// The wire names (PROTOCOL.md `resources`).
    enum CodingKeys: String, CodingKey {
        case gpuUUID = "gpu_uuid", pid, name, usedMemoryMiB = "used_memory_mib"
    }
}
