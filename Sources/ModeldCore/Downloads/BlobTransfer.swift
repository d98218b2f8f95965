/// A blob being fetched (or being stopped) for the models that wait for it. It holds a
/// download slot from its start until its task has ended, so a stopped transfer and a new
/// one never write the same partial file at once.
public struct BlobTransfer: Sendable, Equatable {
    public var blob: BlobKey
    /// The file as the fetch names it, under the manifest of `fetchedFor`: its snapshot is
    /// the one the fetch links.
    public var file: ManifestFile
    public var fetchedFor: String
    public var commit: String
    /// The models waiting for it, each with its files stored as this blob (a manifest may
    /// list the same bytes under two paths).
    public var waiters: [String: [ManifestFile]]
    /// Asked to stop: nobody waits for it any more, or only models that paused (they get
    /// their files back, with the bytes kept, when it has ended), or the daemon is stopping.
    public var stopping = false
    /// Its partial data goes once it has ended (`cancel --discard`, no job needs it).
    public var discardWhenEnded = false

    /// The waiters in a stable order.
    public var waitingModels: [String] { waiters.keys.sorted() }
}
