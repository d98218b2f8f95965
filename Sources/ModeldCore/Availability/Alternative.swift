/// Another model that could serve a job the requested model cannot serve now
/// (PROTOCOL.md, "acquire"): what a client shows the person before switching.
public struct Alternative: Sendable, Equatable, Codable {
    public var model: String
    /// Verified on disk and usable at once.
    public var ready: Bool
    /// 0...1: how much of the job (task, output size) it serves.
    public var compatibility: Double
    public var quality: QualityWording
    /// nil when the GPU memory is unknown: "maybe" is not "no".
    public var fitsVRAM: Bool?
    /// One plain sentence fragment saying why, for a log line or a prompt.
    public var reason: String

    public init(model: String, ready: Bool, compatibility: Double, quality: QualityWording, fitsVRAM: Bool?, reason: String) {
        self.model = model
        self.ready = ready
        self.compatibility = compatibility
        self.quality = quality
        self.fitsVRAM = fitsVRAM
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case model, ready, compatibility, quality, fitsVRAM = "fits_vram", reason
    }

    /// Written by hand so `fits_vram` is always present: the protocol shows it as `null`
    /// when unknown, and a client should not have to tell "unknown" from "forgotten".
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(ready, forKey: .ready)
        try c.encode(compatibility, forKey: .compatibility)
        try c.encode(quality, forKey: .quality)
        try c.encode(fitsVRAM, forKey: .fitsVRAM)
        try c.encode(reason, forKey: .reason)
    }
}

/// Quality in words rather than the catalog's relative number, which means nothing
/// outside the ranking it was written for.
public enum QualityWording: String, Sendable, Codable {
    case similar
    case slightlyLower = "slightly_lower"
    case significantlyLower = "significantly_lower"
}
