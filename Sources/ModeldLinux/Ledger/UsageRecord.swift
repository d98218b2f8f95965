import Foundation
import GRDB
import ModeldCore

/// One use of a model (STORE.md: usage events): a lease released or dropped, or a
/// generation reported. The usage analytics and the performance baseline are built
/// from these rows; each also counts in its day's `UsageDay`, which outlives it.
public struct UsageRecord: Sendable, Equatable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "usage"

    /// How the use came to be known.
    public enum Source: String, Sendable, Codable {
        /// `release` of a lease.
        case release
        /// The connection that held the lease closed without releasing it.
        case disconnect
        /// `report`.
        case report
    }

    /// What the machine looked like when the use ended, to explain a slowdown.
    public struct Context: Sendable, Equatable {
        /// The GPU the generation ran on (the one it named, else the busiest).
        public var gpu: Int?
        /// Share of that GPU's memory in use (0…1).
        public var vramUsedFraction: Double?
        /// Processes on that GPU other than the reporting service's.
        public var otherGPUProcesses: Int
        /// Leases held at the time, of any model, this one's included.
        public var concurrent: Int

        public init(gpu: Int? = nil, vramUsedFraction: Double? = nil, otherGPUProcesses: Int = 0, concurrent: Int = 1) {
            self.gpu = gpu
            self.vramUsedFraction = vramUsedFraction
            self.otherGPUProcesses = otherGPUProcesses
            self.concurrent = concurrent
        }
    }

    public var id: Int64?
    public var model: String
    public var commit: String?
    public var at: Date
    public var durationSeconds: Double?
    /// nil: the client did not say.
    public var success: Bool?
    public var source: Source
    /// The figures the performance baseline compares (`report`'s optional ones).
    public var resolution: String?
    public var secondsPerStep: Double?
    public var frames: Int?
    public var loadSeconds: Double?
    public var context: Context
    /// Other figures a `report` carried, as a JSON object.
    public var metrics: String?

    public init(
        model: String, commit: String?, at: Date, durationSeconds: Double?, success: Bool?, source: Source,
        resolution: String? = nil, secondsPerStep: Double? = nil, frames: Int? = nil, loadSeconds: Double? = nil,
        context: Context = Context(), metrics: String? = nil
    ) {
        self.model = model
        self.commit = commit
        self.at = at
        self.durationSeconds = durationSeconds
        self.success = success
        self.source = source
        self.resolution = resolution
        self.secondsPerStep = secondsPerStep
        self.frames = frames
        self.loadSeconds = loadSeconds
        self.context = context
        self.metrics = metrics
    }

    /// The use as its day's aggregate counts it.
    public var sample: UseSample {
        UseSample(at: at, success: success, durationSeconds: generationSeconds, secondsPerStep: secondsPerStep)
    }

    /// How long the generation took, when the client said: a lease dropped with its
    /// connection was held that long, which says nothing of a generation (`modelctl
    /// acquire` in a script holds one for milliseconds).
    public var generationSeconds: Double? { source == .disconnect ? nil : durationSeconds }

    /// The use as the degradation check reads it.
    public var performance: PerformanceSample {
        PerformanceSample(
            at: at, commit: commit, resolution: resolution, success: success, secondsPerStep: secondsPerStep,
            durationSeconds: generationSeconds, frames: frames, loadSeconds: loadSeconds, gpu: context.gpu,
            vramUsedFraction: context.vramUsedFraction, otherGPUProcesses: context.otherGPUProcesses,
            concurrentGenerations: context.concurrent)
    }

    enum CodingKeys: String, CodingKey {
        case id, model, commit, at, durationSeconds = "duration_s", success, source, metrics
        case resolution, secondsPerStep = "seconds_per_step", frames, loadSeconds = "load_s"
        case gpu, vramUsedFraction = "vram_used_fraction", otherGPUProcesses = "other_gpu_processes", concurrent
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(Int64.self, forKey: .id)
        model = try c.decode(String.self, forKey: .model)
        commit = try c.decodeIfPresent(String.self, forKey: .commit)
        at = try c.decode(Date.self, forKey: .at)
        durationSeconds = try c.decodeIfPresent(Double.self, forKey: .durationSeconds)
        success = try c.decodeIfPresent(Bool.self, forKey: .success)
        source = try c.decode(Source.self, forKey: .source)
        resolution = try c.decodeIfPresent(String.self, forKey: .resolution)
        secondsPerStep = try c.decodeIfPresent(Double.self, forKey: .secondsPerStep)
        frames = try c.decodeIfPresent(Int.self, forKey: .frames)
        loadSeconds = try c.decodeIfPresent(Double.self, forKey: .loadSeconds)
        context = Context(
            gpu: try c.decodeIfPresent(Int.self, forKey: .gpu),
            vramUsedFraction: try c.decodeIfPresent(Double.self, forKey: .vramUsedFraction),
            otherGPUProcesses: try c.decodeIfPresent(Int.self, forKey: .otherGPUProcesses) ?? 0,
            concurrent: try c.decodeIfPresent(Int.self, forKey: .concurrent) ?? 1)
        metrics = try c.decodeIfPresent(String.self, forKey: .metrics)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(id, forKey: .id)
        try c.encode(model, forKey: .model)
        try c.encode(commit, forKey: .commit)
        try c.encode(at, forKey: .at)
        try c.encode(durationSeconds, forKey: .durationSeconds)
        try c.encode(success, forKey: .success)
        try c.encode(source, forKey: .source)
        try c.encode(resolution, forKey: .resolution)
        try c.encode(secondsPerStep, forKey: .secondsPerStep)
        try c.encode(frames, forKey: .frames)
        try c.encode(loadSeconds, forKey: .loadSeconds)
        try c.encode(context.gpu, forKey: .gpu)
        try c.encode(context.vramUsedFraction, forKey: .vramUsedFraction)
        try c.encode(context.otherGPUProcesses, forKey: .otherGPUProcesses)
        try c.encode(context.concurrent, forKey: .concurrent)
        try c.encode(metrics, forKey: .metrics)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
