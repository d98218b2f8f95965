import Foundation
import Glibc
import ModeldCore

/// The store's file operations on a Hugging Face cache (STORE.md): refs, kept tree
/// listings, snapshot links and the stable per-model links. What becomes visible
/// becomes visible whole: written aside, synced, renamed over.
public struct Store: Sendable {
    public let layout: StoreLayout
    public let linksDirectory: String
    /// What this store wrote lately, for the watcher to tell from outside changes.
    public let ownWrites = OwnWrites()

    public init(root: String, linksDirectory: String) {
        layout = StoreLayout(root: root)
        self.linksDirectory = linksDirectory
    }

    /// Notes a path about to be put in place (or, with `.removed`, removed): the final
    /// name, the temporary one beside it, and the folders that may be made (or removed)
    /// for it up to the store or links folder.
    func noting(_ path: String, _ write: OwnWrites.Write = .putInPlace) -> String {
        ownWrites.note(write, path)
        ownWrites.note(.inPlace, AtomicFile.temporaryName(for: path))
        var folder = (path as NSString).deletingLastPathComponent
        while folder.count > 1, folder != layout.root, folder != linksDirectory {
            ownWrites.note(write, folder)
            folder = (folder as NSString).deletingLastPathComponent
        }
        return path
    }

    /// The commit `refs/<revision>` names, if the store has it.
    public func commit(repo: String, revision: String) -> String? {
        guard let text = try? String(contentsOfFile: layout.ref(repo, revision), encoding: .utf8) else { return nil }
        let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return Hex.isCommit(commit) ? commit.lowercased() : nil
    }

    /// Writes `refs/<revision>`: the commit, no trailing newline (readers do not strip it).
    public func setCommit(_ commit: String, repo: String, revision: String) throws(SystemError) {
        try AtomicFile.write(Data(commit.utf8), to: noting(layout.ref(repo, revision)))
    }

    /// The tree listing kept for `commit` (``TreeCache``), parsed; nil when none is kept.
    public func manifest(repo: String, commit: String) throws(ManifestError) -> Manifest? {
        guard let data = FileManager.default.contents(atPath: layout.tree(repo, commit)) else { return nil }
        return Manifest(repo: repo, commit: commit, files: try TreeCache.files(from: data))
    }

    /// Keeps the tree listing of `commit`, and gives the repo folder the layout
    /// huggingface_hub expects before anything names the commit: `blobs/` and
    /// `snapshots/<commit>/`, so `scan_cache_dir()` never finds a repo without snapshots
    /// or a ref to a missing one, even when every download of it fails.
    public func keepListing(_ listing: Data, repo: String, commit: String) throws(SystemError) {
        try AtomicFile.makeFolders(noting(layout.blobsFolder(repo)))
        try AtomicFile.makeFolders(noting(layout.snapshot(repo, commit)))
        try AtomicFile.write(listing, to: noting(layout.tree(repo, commit)))
    }

    /// Whether the snapshot entry of `file` is a link to its blob (and not something
    /// else, or nothing). Blocking.
    public func isLinked(_ file: ManifestFile, repo: String, commit: String) -> Bool {
        FileStat.linkTarget(layout.snapshotFile(repo, commit, file.path)) == StoreLayout.blobLinkTarget(path: file.path, digest: file.digest)
    }

    /// `<links_dir>/<model>` → the snapshot, switched with one rename(2): a process that
    /// opened the old files keeps reading them.
    public func pointStableLink(model: String, repo: String, commit: String) throws(SystemError) {
        let target = layout.snapshot(repo, commit)
        let link = linksDirectory + "/" + model
        guard FileStat.linkTarget(link) != target else { return }
        try AtomicFile.symlink(target, at: noting(link))
    }

    public func stableLink(model: String) -> String { linksDirectory + "/" + model }

    /// The finished download or repair `partial` becomes the blob of `file` (renamed over
    /// the old one, which a reader that opened it keeps reading). Blocking.
    public func commitBlob(_ partial: PartialBlob, as file: ManifestFile, repo: String) throws(SystemError) {
        try partial.commit(as: noting(layout.blob(repo, file.digest)))
    }

    /// `snapshots/<commit>/<path>` → its blob, as the HF cache links it. Blocking.
    public func linkSnapshot(_ file: ManifestFile, repo: String, commit: String) throws(SystemError) {
        guard !isLinked(file, repo: repo, commit: commit) else { return }
        try refuseLinkedFolders(on: layout.snapshotFile(repo, commit, file.path))
        let link = noting(layout.snapshotFile(repo, commit, file.path))
        try AtomicFile.symlink(StoreLayout.blobLinkTarget(path: file.path, digest: file.digest), at: link)
    }

    /// Removes a blob, a snapshot link or a stable link; what is already gone is fine. The
    /// snapshot folders left empty go too, up to the snapshot itself — unless a ref names
    /// that commit: huggingface_hub calls a ref to a missing snapshot a broken cache.
    /// Blocking.
    public func remove(_ path: String) throws(SystemError) {
        try refuseLinkedFolders(on: path)
        if unlink(noting(path, .removed)) != 0, errno != ENOENT { throw SystemError("unlink(\(path))", errno: errno) }
        var folder = (path as NSString).deletingLastPathComponent
        while folder.hasPrefix(layout.root + "/"), folder != linksDirectory, !folder.hasSuffix("/snapshots"), !folder.hasSuffix("/blobs") {
            let parent = (folder as NSString).deletingLastPathComponent
            if parent.hasSuffix("/snapshots") {
                let refs = (parent as NSString).deletingLastPathComponent + "/refs"
                if isReferenced(commit: (folder as NSString).lastPathComponent, refs: refs) { break }
            }
            // Not empty (ENOTEMPTY) ends the climb: the folder still holds other files.
            guard rmdir(noting(folder, .removed)) == 0 else { break }
            folder = parent
        }
    }

    /// Whether a file under `refs` (`main`, `refs/pr/1`…) names `commit`.
    private func isReferenced(commit: String, refs: String) -> Bool {
        guard let names = FileManager.default.subpaths(atPath: refs) else { return false }
        return names.contains { name in
            (try? String(contentsOfFile: refs + "/" + name, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) == commit
        }
    }
}
