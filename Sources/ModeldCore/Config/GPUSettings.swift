/// `[gpu]`: how the GPUs are asked about.
public struct GPUSettings: Sendable, Equatable {
    public var nvidiaSMI = "nvidia-smi"
    public var pollEvery = TimeSpan.seconds(10)

    public init() {}
}

extension GPUSettings: Codable {
    enum CodingKeys: String, CodingKey {
        case nvidiaSMI = "nvidia_smi", pollEvery = "poll_every"
    }

    public init(from decoder: any Decoder) throws {
        let below = decoder.configBelow.gpu
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nvidiaSMI = try c.decode(.nvidiaSMI, or: below.nvidiaSMI)
        pollEvery = try c.decode(.pollEvery, or: below.pollEvery, in: .seconds(1)...TimeSpan.seconds(86_400))
    }
}
