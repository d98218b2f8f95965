/// One GPU as nvidia-smi reported it. Every measurement is optional: nvidia-smi
/// prints `[N/A]`, `[Not Supported]` and the like where it has no value, and a value
/// we do not have must stay unknown, never become 0 (0 MiB used would read as "free").
public struct GPUReading: Sendable, Equatable, Codable {
    /// nvidia-smi's `index`, or the row's position when the output had no index column.
    public var index: Int
    public var uuid: String?
    public var name: String?
    /// `memory.total` is not `used + free`: the driver reserves some memory.
    public var memoryTotalMiB: Int?
    public var memoryUsedMiB: Int?
    public var memoryFreeMiB: Int?
    /// `utilization.gpu`; nil on MIG-enabled GPUs, where nvidia-smi does not report it.
    public var utilizationPercent: Int?
    public var temperatureC: Int?
    /// The compute processes on this GPU, attached by `NvidiaSMI.merge(gpus:processes:)`.
    public var processes: [GPUProcess]

    public init(
        index: Int, uuid: String? = nil, name: String? = nil,
        memoryTotalMiB: Int? = nil, memoryUsedMiB: Int? = nil, memoryFreeMiB: Int? = nil,
        utilizationPercent: Int? = nil, temperatureC: Int? = nil, processes: [GPUProcess] = []
    ) {
        self.index = index
        self.uuid = uuid
        self.name = name
        self.memoryTotalMiB = memoryTotalMiB
        self.memoryUsedMiB = memoryUsedMiB
        self.memoryFreeMiB = memoryFreeMiB
        self.utilizationPercent = utilizationPercent
        self.temperatureC = temperatureC
        self.processes = processes
    }

    /// The wire names (PROTOCOL.md `resources`).
    enum CodingKeys: String, CodingKey {
        case index, uuid, name, memoryTotalMiB = "memory_total_mib", memoryUsedMiB = "memory_used_mib"
        case memoryFreeMiB = "memory_free_mib", utilizationPercent = "utilization_percent", temperatureC = "temperature_c", processes
    }
}
