/// What a generation job needs from a model: the task, the output size, the GPU memory it has.
///
/// Every field is optional because a caller often knows only part of it; the fallback
/// advisor treats a missing field as "no constraint" (for `vramGB`: the GPU memory the
/// daemon measured, unknown until it probes the GPU).
public struct Needs: Sendable, Equatable, Codable {
    /// A task the catalog names (`t2v`, `i2v`, `ti2v`, `s2v`, `animate`).
    public var task: String?
    /// The output size as Wan2.2's `--size` writes it: `"1280*720"`.
    public var resolution: String?
    /// The GPU memory the job can use, in GB; wins over what the daemon measured.
    public var vramGB: Int?

    public init(task: String? = nil, resolution: String? = nil, vramGB: Int? = nil) {
        self.task = task
        self.resolution = resolution
        self.vramGB = vramGB
    }

    enum CodingKeys: String, CodingKey {
        case task, resolution, vramGB = "vram_gb"
    }
}
