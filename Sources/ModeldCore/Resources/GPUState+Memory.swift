extension GPUState {
    /// The largest GPU's memory in GB as cards are sold (what `min_vram_gb` is compared
    /// with): MiB / 1024 to the nearest, so an H100's 81,559 MiB is 80 and a 3090's
    /// 24,576 MiB is 24. Nil when no GPU or its memory is known.
    public var largestMemoryGB: Int? {
        guard case .known(let gpus) = self else { return nil }
        return gpus.compactMap(\.memoryTotalGB).max()
    }
}

extension GPUReading {
    /// The memory in GB as cards are sold: MiB / 1024 to the nearest.
    public var memoryTotalGB: Int? { memoryTotalMiB.map { Int((Double($0) / 1024).rounded()) } }
}
