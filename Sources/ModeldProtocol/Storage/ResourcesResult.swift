import Foundation
import ModeldCore

/// `resources`: the filesystems of the store, memory, and the GPUs or why they are not known.
public struct ResourcesResult: Codable, Sendable, Equatable {
    public var disk: [DiskReport]
    /// Nil when /proc/meminfo could not be read; `memoryUnknown` says why.
    public var memory: MemoryReading?
    public var memoryUnknown: String?
    /// Nil when the GPUs are not known; `gpuUnknown` says why. Never an empty guess.
    public var gpus: [GPUReading]?
    public var gpuUnknown: String?
    public var checked: Date

    public init(disk: [DiskReport], memory: MemoryReading?, memoryUnknown: String? = nil, gpus: GPUState, checked: Date) {
        self.disk = disk
        self.memory = memory
        self.memoryUnknown = memoryUnknown
        switch gpus {
        case .known(let readings): self.gpus = readings
        case .unknown(let reason): gpuUnknown = reason
        }
        self.checked = checked
    }

    /// `gpus: null` and `memory: null` are written out: a reader must not take a missing
    /// key for "no GPU".
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(disk, forKey: .disk)
        try c.encode(memory, forKey: .memory)
        try c.encodeIfPresent(memoryUnknown, forKey: .memoryUnknown)
        try c.encode(gpus, forKey: .gpus)
        try c.encodeIfPresent(gpuUnknown, forKey: .gpuUnknown)
        try c.encode(checked, forKey: .checked)
    }

    enum CodingKeys: String, CodingKey {
        case disk, memory, memoryUnknown = "memory_unknown", gpus, gpuUnknown = "gpu_unknown", checked
    }
}

/// One filesystem holding the store: what `statvfs` says, and the daemon's thresholds.
public struct DiskReport: Codable, Sendable, Equatable {
    /// The store directories on this filesystem.
    public var paths: [String]
    public var totalBytes: Int64
    /// Free to the daemon's user (`f_bavail`): what downloads can use, and what
    /// `warn_below`, `status` and `disk.low` speak of.
    public var freeBytes: Int64
    /// Free to root (`f_bfree`), the filesystem's reserved blocks included.
    public var freeToRootBytes: Int64
    public var reserveBytes: Int64
    public var warnBelowBytes: Int64
    public var low: Bool

    public init(paths: [String], totalBytes: Int64, freeBytes: Int64, freeToRootBytes: Int64, reserveBytes: Int64, warnBelowBytes: Int64) {
        self.paths = paths
        self.totalBytes = totalBytes
        self.freeBytes = freeBytes
        self.freeToRootBytes = freeToRootBytes
        self.reserveBytes = reserveBytes
        self.warnBelowBytes = warnBelowBytes
        low = freeBytes < warnBelowBytes
    }

    enum CodingKeys: String, CodingKey {
        case paths, totalBytes = "total_bytes", freeBytes = "free_bytes", freeToRootBytes = "free_to_root_bytes"
        case reserveBytes = "reserve_bytes", warnBelowBytes = "warn_below_bytes", low
    }
}
