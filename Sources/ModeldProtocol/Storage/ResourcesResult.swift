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

    enum CodingKeys: String, CodingKey {
        case disk, memory, memoryUnknown = "memory_unknown", gpus, gpuUnknown = "gpu_unknown", checked
    }
}

/// One filesystem holding the store: what `statvfs` says, and the daemon's thresholds.
public struct DiskReport: Codable, Sendable, Equatable {
    /// The store directories on this filesystem.
    public var paths: [String]
    public var totalBytes: Int64
    /// Free to root (`f_bfree`).
    public var freeBytes: Int64
    /// Free to the daemon's user (`f_bavail`): what downloads can use.
    public var availableBytes: Int64
    public var reserveBytes: Int64
    public var warnBelowBytes: Int64
    public var low: Bool

    public init(paths: [String], totalBytes: Int64, freeBytes: Int64, availableBytes: Int64, reserveBytes: Int64, warnBelowBytes: Int64) {
        self.paths = paths
        self.totalBytes = totalBytes
        self.freeBytes = freeBytes
        self.availableBytes = availableBytes
        self.reserveBytes = reserveBytes
        self.warnBelowBytes = warnBelowBytes
        low = availableBytes < warnBelowBytes
    }

    enum CodingKeys: String, CodingKey {
        case paths, totalBytes = "total_bytes", freeBytes = "free_bytes", availableBytes = "available_bytes"
        case reserveBytes = "reserve_bytes", warnBelowBytes = "warn_below_bytes", low
    }
}
