/// What `evict` removes for one model: its blobs and snapshot links that no other model
/// of the catalog needs. Its manifest (refs, the kept tree listing) stays, so a later pull
/// needs no new listing. Pure.
public struct EvictionPlan: Sendable, Equatable {
    /// Blob paths to delete, with their sizes.
    public var blobs: [(path: String, bytes: Int64)]
    /// Snapshot links to delete.
    public var snapshotLinks: [String]
    /// Files kept because another model uses the same blob.
    public var shared: [String]
    /// The model's files that will not be there afterwards (their blob or their link goes).
    public var removedPaths: [String]

    public var freedBytes: Int64 { blobs.reduce(0) { $0 + $1.bytes } }

    public init(model manifest: Manifest, others: [Manifest], layout: StoreLayout) {
        let neededBlobs = Set(others.flatMap { other in other.files.map { layout.blob(other.repo, $0.digest) } })
        let neededLinks = Set(others.flatMap { other in
            other.files.map { layout.snapshotFile(other.repo, other.commit, $0.path) }
        })
        var blobs: [(String, Int64)] = []
        var seen = Set<String>()
        var shared: [String] = []
        var links: [String] = []
        var removed: [String] = []
        for file in manifest.files {
            let blob = layout.blob(manifest.repo, file.digest)
            let blobStays = neededBlobs.contains(blob)
            if blobStays {
                shared.append(file.path)
            } else if seen.insert(blob).inserted {
                blobs.append((blob, file.size))
            }
            let link = layout.snapshotFile(manifest.repo, manifest.commit, file.path)
            let linkStays = neededLinks.contains(link)
            if !linkStays { links.append(link) }
            if !blobStays || !linkStays { removed.append(file.path) }
        }
        self.blobs = blobs
        snapshotLinks = links
        self.shared = shared
        removedPaths = removed
    }

    public static func == (a: EvictionPlan, b: EvictionPlan) -> Bool {
        a.blobs.map(\.path) == b.blobs.map(\.path) && a.blobs.map(\.bytes) == b.blobs.map(\.bytes)
            && a.snapshotLinks == b.snapshotLinks && a.shared == b.shared && a.removedPaths == b.removedPaths
    }
}
