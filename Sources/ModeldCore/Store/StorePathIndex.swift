/// Maps a path the watcher saw change to what must be checked again, and lists the
/// folders to watch. Pure: built from the store layout and the known manifests.
public struct StorePathIndex: Sendable {
    /// What a changed path asks for.
    public enum Target: Sendable, Hashable {
        /// One file of one model.
        case file(model: String, path: String)
        /// The whole model (a ref, a folder, or its stable link changed).
        case model(String)
    }

    /// A catalog model, and its manifest when one is known.
    public struct Entry: Sendable {
        public var model: String
        public var repo: String
        public var manifest: Manifest?
        public init(model: String, repo: String, manifest: Manifest?) {
            self.model = model
            self.repo = repo
            self.manifest = manifest
        }
    }

    public let layout: StoreLayout
    public let linksDirectory: String
    private let entries: [Entry]

    public init(layout: StoreLayout, linksDirectory: String, entries: [Entry]) {
        self.layout = layout
        self.linksDirectory = linksDirectory
        self.entries = entries
    }

    /// Every folder whose entries matter: the store root (a repository folder appearing),
    /// each repository's folder, blobs, refs and snapshot folders, and the links folder.
    public var directories: [String] {
        var folders = [layout.root, linksDirectory]
        for entry in entries {
            folders += [
                layout.repoFolder(entry.repo), layout.blobsFolder(entry.repo), layout.refsFolder(entry.repo),
                layout.snapshotsFolder(entry.repo),
            ]
            guard let manifest = entry.manifest else { continue }
            let snapshot = layout.snapshot(entry.repo, manifest.commit)
            folders.append(snapshot)
            for file in manifest.files {
                var parts = file.path.split(separator: "/").dropLast()
                while !parts.isEmpty {
                    folders.append(snapshot + "/" + parts.joined(separator: "/"))
                    parts = parts.dropLast()
                }
            }
        }
        var seen = Set<String>()
        return folders.filter { seen.insert($0).inserted }
    }

    public func targets(for path: String) -> [Target] {
        if path.hasPrefix(linksDirectory + "/") {
            let name = String(path.dropFirst(linksDirectory.count + 1))
            return entries.contains { $0.model == name } ? [.model(name)] : []
        }
        var targets: [Target] = []
        for entry in entries {
            let folder = layout.repoFolder(entry.repo)
            guard path == folder || path.hasPrefix(folder + "/") else { continue }
            let inside = path.dropFirst(folder.count).drop { $0 == "/" }
            let parts = inside.split(separator: "/", maxSplits: 2).map(String.init)
            // modeld's own partial data is never a change to a model.
            if parts.first == StoreLayout.partialsFolderName { continue }
            guard let manifest = entry.manifest, parts.count >= 2 else {
                // The folder itself, refs, or a whole subfolder: check the model again.
                targets.append(.model(entry.model))
                continue
            }
            switch parts[0] {
            case "blobs":
                // Bytes being downloaded live under another name until they are final.
                guard !parts[1].hasSuffix(".incomplete") else { continue }
                targets += manifest.files.filter { $0.digest.hex == parts[1] }.map { .file(model: entry.model, path: $0.path) }
            case "snapshots":
                guard parts[1] == manifest.commit else { continue }
                guard parts.count == 3 else {
                    targets.append(.model(entry.model))
                    continue
                }
                let relative = parts[2]
                let matching = manifest.files.filter { $0.path == relative || $0.path.hasPrefix(relative + "/") }
                targets += matching.map { .file(model: entry.model, path: $0.path) }
            case "refs":
                targets.append(.model(entry.model))
            default:
                continue
            }
        }
        return targets
    }
}
