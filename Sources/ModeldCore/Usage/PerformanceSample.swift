import Foundation

/// One generation as the degradation check sees it: the figures the service reported and
/// what the daemon saw around it when it was reported (the GPU, the other leases), so a
/// slowdown can be traced to its cause.
public struct PerformanceSample: Sendable, Equatable {
    public var at: Date
    /// The commit the generation ran on.
    public var commit: String?
    /// As reported, `"1280x704"`: figures at different resolutions are never compared.
    public var resolution: String?
    public var success: Bool?
    public var secondsPerStep: Double?
    public var durationSeconds: Double?
    public var frames: Int?
    public var loadSeconds: Double?
    /// The index of the GPU it ran on, when known (only for the wording).
    public var gpu: Int?
    /// How full that GPU's memory was at the time, 0…1.
    public var vramUsedFraction: Double?
    /// Processes on that GPU that were not this generation's.
    public var otherGPUProcesses: Int
    /// Leases of any model held at the time, this one's included.
    public var concurrentGenerations: Int

    public init(
        at: Date, commit: String? = nil, resolution: String? = nil, success: Bool?, secondsPerStep: Double? = nil,
        durationSeconds: Double? = nil, frames: Int? = nil, loadSeconds: Double? = nil, gpu: Int? = nil,
        vramUsedFraction: Double? = nil, otherGPUProcesses: Int = 0, concurrentGenerations: Int = 1
    ) {
        self.at = at
        self.commit = commit
        self.resolution = resolution
        self.success = success
        self.secondsPerStep = secondsPerStep
        self.durationSeconds = durationSeconds
        self.frames = frames
        self.loadSeconds = loadSeconds
        self.gpu = gpu
        self.vramUsedFraction = vramUsedFraction
        self.otherGPUProcesses = otherGPUProcesses
        self.concurrentGenerations = concurrentGenerations
    }
}
