/// One entry of the hub's `tree` answer (`/api/models/{repo}/tree/{commit}`): a file or a
/// directory, an LFS file with its SHA-256 under `lfs`. Untrusted: read by
/// ``HubAPI/files(fromTreePage:)`` and ``TreeCache``, which check every field.
struct HubTreeEntry: Decodable {
    struct LFS: Decodable {
        var oid: String?
        var sha256: String?
        var size: Int64?
    }

    var type: String
    var path: String
    var size: Int64?
    /// The git blob id (of the pointer file, for an LFS file).
    var oid: String?
    var lfs: LFS?
    var xetHash: String?
}
