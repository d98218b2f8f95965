/// What a folder holds of a model's manifest, from its listing alone: which files are
/// worth hashing (the right size), which must come from the hub, and what else is
/// there. Pure: the listing is made, and the files hashed, elsewhere.
public struct AdoptionPlan: Sendable, Equatable {
    /// What the folder has for one file of the manifest.
    public enum Finding: Sendable, Equatable {
        /// The right size: hashed, and adopted if its digest matches.
        case candidate
        case missing
        /// Fewer bytes than listed (an interrupted copy): a download resumes from them.
        case short(size: Int64)
        /// More bytes than listed: another file under that name, fetched whole.
        case long(size: Int64)
        /// A git-lfs pointer where the file should be.
        case lfsPointer
        /// There but unreadable: adopting refuses until it can be read.
        case unreadable(String)
    }

    public struct Item: Sendable, Equatable {
        public var file: ManifestFile
        public var finding: Finding
    }

    public var items: [Item]
    /// Files of the folder that are not in the manifest (never touched), sorted.
    public var extras: [String]

    public init(manifest: Manifest, folder: [String: FolderEntry]) {
        items = manifest.files.map { file in
            guard let entry = folder[file.path] else { return Item(file: file, finding: .missing) }
            let finding: Finding
            if let problem = entry.problem {
                finding = .unreadable(problem)
            } else if entry.size == file.size {
                finding = .candidate
            } else if entry.isLFSPointer {
                finding = .lfsPointer
            } else {
                finding = entry.size < file.size ? .short(size: entry.size) : .long(size: entry.size)
            }
            return Item(file: file, finding: finding)
        }
        let listed = Set(manifest.files.map(\.path))
        extras = folder.keys.filter { !listed.contains($0) }.sorted()
    }

    public var candidates: [ManifestFile] { items.filter { $0.finding == .candidate }.map(\.file) }
    public var candidateBytes: Int64 { candidates.reduce(0) { $0 + $1.size } }

    /// The files the hub must send, each with why.
    public var toFetch: [(file: ManifestFile, reason: String)] {
        items.compactMap { item in
            switch item.finding {
            case .candidate, .unreadable: nil
            case .missing: (item.file, "not in the folder")
            case .short(let size): (item.file, "\(size) of \(item.file.size) bytes: the rest is fetched")
            case .long(let size): (item.file, "\(size) bytes, the manifest says \(item.file.size)")
            case .lfsPointer: (item.file, "a git-lfs pointer (git lfs pull never ran)")
            }
        }
    }

    /// The first file that cannot be read, and why.
    public var unreadable: (path: String, problem: String)? {
        for item in items { if case .unreadable(let problem) = item.finding { return (item.file.path, problem) } }
        return nil
    }
}
