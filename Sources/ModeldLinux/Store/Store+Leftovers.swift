import Foundation
import Glibc
import ModeldCore

/// What a store holds beside the catalog's current revisions: older snapshots and
/// partial blobs, for `cleanup`. Blocking.
extension Store {
    /// A snapshot's links and the blobs they point at.
    public struct SnapshotContents: Sendable {
        public var links: [String]
        public var blobs: [(path: String, bytes: Int64)]
        /// The snapshot folder's last change: when its last link was made, which for a
        /// replaced revision is at or before the replacement.
        public var modified: Date
    }

    /// A partial blob: modeld's own, or a `.incomplete` file another tool left in `blobs/`.
    public struct PartialFile: Sendable {
        public var path: String
        public var bytes: Int64
        public var modified: Date
    }

    /// The commits that have a snapshot folder in `repo`.
    public func snapshotCommits(repo: String) throws(SystemError) -> [String] {
        try Self.entries(of: layout.snapshotsFolder(repo)).filter(Hex.isCommit)
    }

    /// Every link under the snapshot, and the blobs of this repo they point at, each once.
    public func snapshotContents(repo: String, commit: String) throws(SystemError) -> SnapshotContents {
        let folder = layout.snapshot(repo, commit)
        let modified = try FileStat.signature(folder).map { Date(timeIntervalSince1970: Double($0.modifiedNanoseconds) / 1e9) } ?? Date()
        var contents = SnapshotContents(links: [], blobs: [], modified: modified)
        var seen = Set<String>()
        var folders = [folder]
        while let folder = folders.popLast() {
            for name in try Self.entries(of: folder) {
                let path = folder + "/" + name
                guard let target = FileStat.linkTarget(path) else {
                    if FileStat.isDirectory(path) { folders.append(path) }
                    continue
                }
                contents.links.append(path)
                // Only a blob of this repo is the store's to remove; a link pointing
                // elsewhere goes, its target stays.
                let blob = ((folder as NSString).appendingPathComponent(target) as NSString).standardizingPath
                guard (blob as NSString).deletingLastPathComponent == layout.blobsFolder(repo), seen.insert(blob).inserted,
                    let size = try FileStat.signature(blob)?.size
                else { continue }
                contents.blobs.append((blob, size))
            }
        }
        return contents
    }

    /// The partial blobs of `repo` (modeld's, and `.incomplete` files in `blobs/`), with
    /// their size and last write.
    public func partialFiles(repo: String) throws(SystemError) -> [PartialFile] {
        let own = layout.partialsFolder(repo)
        let blobs = layout.blobsFolder(repo)
        let paths = try Self.entries(of: own).map { own + "/" + $0 }
            + (try Self.entries(of: blobs).filter { $0.hasSuffix(".incomplete") }.map { blobs + "/" + $0 })
        var partials: [PartialFile] = []
        for path in paths {
            guard let signature = try FileStat.signature(path) else { continue }
            partials.append(PartialFile(
                path: path, bytes: signature.size,
                modified: Date(timeIntervalSince1970: Double(signature.modifiedNanoseconds) / 1e9)))
        }
        return partials
    }

    /// The names in a folder; none when it does not exist.
    static func entries(of folder: String) throws(SystemError) -> [String] {
        guard let directory = opendir(folder) else {
            if errno == ENOENT { return [] }
            throw SystemError("opendir(\(folder))", errno: errno)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }
}
