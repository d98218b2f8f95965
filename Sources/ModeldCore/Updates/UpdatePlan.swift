/// What moving a model from its current manifest to a new one costs (STORE.md, Updates):
/// the files that are new or changed, and the bytes to download — only blobs the store
/// lacks, each once, since unchanged files share their blobs with the old snapshot.
public struct UpdatePlan: Sendable, Equatable {
    public var from: String?
    public var to: String
    /// New or changed (another digest at the same path), in the new manifest's order.
    public var filesChanged: [ManifestFile]
    public var bytesToFetch: Int64

    /// - Parameter blobPresent: whether the store holds a file's blob already, whole.
    public init(from current: Manifest?, to next: Manifest, blobPresent: (ManifestFile) -> Bool) {
        from = current?.commit
        to = next.commit
        let old = Dictionary((current?.files ?? []).map { ($0.path, $0.digest) }, uniquingKeysWith: { first, _ in first })
        filesChanged = next.files.filter { old[$0.path] != $0.digest }
        var counted = Set<FileDigest>()
        var bytes: Int64 = 0
        for file in next.files where !blobPresent(file) && counted.insert(file.digest).inserted {
            // Sizes come from a manifest whose sizes were checked (HubAPI.refuseImpossibleSizes).
            bytes = bytes.addingReportingOverflow(file.size).overflow ? .max : bytes + file.size
        }
        bytesToFetch = bytes
    }

    /// Whether the download fits above `reserveBytes`; nil when the free space is unknown.
    public func fits(freeBytes: Int64?, reserveBytes: Int64) -> Bool? {
        freeBytes.map { $0 - reserveBytes >= bytesToFetch }
    }
}
