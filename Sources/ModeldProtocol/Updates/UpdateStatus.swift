import Foundation

/// A model's `update` object in `status` (PROTOCOL.md): the newest commit its revision
/// names, whether that is an update, when the hub was asked, and what applying it costs.
public struct UpdateStatus: Codable, Sendable, Equatable {
    /// The commit the followed branch or tag names now; nil before the first check.
    public var latest: String?
    public var available: Bool
    public var checked: Date?
    /// Files of the new commit that differ from the current one (new or changed).
    public var filesChanged: Int?
    /// Bytes to download: only blobs the store lacks (shared blobs are linked).
    public var bytesToFetch: Int64?
    /// Whether those bytes fit the disk above `[disk] reserve`.
    public var fits: Bool?
    /// `updating` while the new snapshot is staged, `failed` when the last try failed.
    public var state: String?
    /// While `updating`: the share of `bytes_to_fetch` in, the speed and the time left.
    public var progress: Double?
    public var speedBytesPerSecond: Int64?
    public var etaSeconds: Int64?
    public var error: ProtocolError?

    public init(latest: String? = nil, available: Bool = false, checked: Date? = nil) {
        self.latest = latest
        self.available = available
        self.checked = checked
    }

    enum CodingKeys: String, CodingKey {
        case latest, available, checked, filesChanged = "files_changed", bytesToFetch = "bytes_to_fetch", fits, state
        case progress, speedBytesPerSecond = "speed_bps", etaSeconds = "eta_s", error
    }
}
