import Glibc
import ModeldCore

/// Every file under a folder that other tools made (`hf download --local-dir`, a copy, a
/// `git lfs clone`), as `adopt` needs it: sizes, links followed, git-lfs pointers told
/// apart, unreadable files named with the reason, and the local-dir metadata that says
/// which commit the folder came from. Reads nothing else. Blocking.
public struct FolderListing: Sendable {
    /// Paths relative to the folder.
    public var files: [String: FolderEntry] = [:]
    /// Every folder under it (relative; "" is the folder itself), for `adopt --scan`.
    public var folders: [String] = [""]
    /// By the file each describes.
    public var metadata: [String: LocalDirMetadata] = [:]
    /// The listing stopped at `limit` entries: a scan of `/` must not list the machine.
    public var truncated = false

    /// Folders never listed: git's own objects, and tool caches (the local-dir metadata
    /// is read by its own path).
    static let skipped: Set<String> = [".git", ".cache"]

    /// Throws when `root` itself cannot be listed; a folder under it that cannot be
    /// listed is an error too (its files would be reported missing, and fetched).
    /// `excluding` (absolute folders, the store) is never entered: a scan of `/` must not
    /// take the store's own snapshots for folders to adopt.
    public static func list(
        _ root: String, excluding: Set<String> = [], maxDepth: Int = 16, limit: Int = 500_000
    ) throws(SystemError) -> FolderListing {
        var listing = FolderListing()
        try listing.walk(root, relative: "", excluding: excluding, depth: 0, maxDepth: maxDepth, limit: limit)
        listing.readMetadata(root)
        return listing
    }

    private mutating func walk(
        _ folder: String, relative: String, excluding: Set<String>, depth: Int, maxDepth: Int, limit: Int
    ) throws(SystemError) {
        for name in try Self.names(in: folder) {
            guard files.count + folders.count < limit else {
                truncated = true
                return
            }
            let path = folder + "/" + name
            let relativePath = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }  // gone since it was listed
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                guard !(depth == 0 && Self.skipped.contains(name)), depth < maxDepth, !excluding.contains(path) else { continue }
                folders.append(relativePath)
                try walk(path, relative: relativePath, excluding: excluding, depth: depth + 1, maxDepth: maxDepth, limit: limit)
            case S_IFREG:
                files[relativePath] = Self.entry(path, size: Int64(info.st_size), isSymlink: false)
            case S_IFLNK:
                var target = stat()
                if stat(path, &target) != 0 {
                    files[relativePath] = FolderEntry(size: 0, isSymlink: true, problem: "a link to nothing: \(String(cString: strerror(errno)))")
                } else if target.st_mode & S_IFMT == S_IFREG {
                    files[relativePath] = Self.entry(path, size: Int64(target.st_size), isSymlink: true)
                }
            default:
                continue  // sockets, fifos, devices: never a model file
            }
        }
    }

    /// A regular file (or a link to one): opened once, so a file the daemon cannot read is
    /// named now and not half way through, and a small one is checked for a git-lfs pointer.
    private static func entry(_ path: String, size: Int64, isSymlink: Bool) -> FolderEntry {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            return FolderEntry(size: size, isSymlink: isSymlink, problem: "it cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        guard size < FolderEntry.pointerSizeLimit, size >= Int64(FolderEntry.lfsPointerPrefix.utf8.count) else {
            return FolderEntry(size: size, isSymlink: isSymlink)
        }
        var head = [UInt8](repeating: 0, count: FolderEntry.lfsPointerPrefix.utf8.count)
        let count = head.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        let isPointer = count == head.count && head.elementsEqual(FolderEntry.lfsPointerPrefix.utf8)
        return FolderEntry(size: size, isSymlink: isSymlink, isLFSPointer: isPointer)
    }

    /// `.cache/huggingface/download/**.metadata`: what cannot be read or parsed is no
    /// metadata (it only names a commit; every byte is hashed anyway).
    private mutating func readMetadata(_ root: String) {
        let base = root + "/" + LocalDirMetadata.folder
        guard let inner = try? Self.list(base, limit: 200_000) else { return }
        for (path, entry) in inner.files where entry.problem == nil && entry.size < 4096 {
            guard let described = LocalDirMetadata.describedFile(LocalDirMetadata.folder + "/" + path),
                let text = try? String(contentsOfFile: base + "/" + path, encoding: .utf8),
                let parsed = LocalDirMetadata(text: text)
            else { continue }
            metadata[described] = parsed
        }
    }

    /// The names in a folder but `.` and `..`, sorted.
    static func names(in folder: String) throws(SystemError) -> [String] {
        guard let directory = opendir(folder) else { throw SystemError("opendir(\(folder))", errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw SystemError("readdir(\(folder))", errno: errno) }
                break
            }
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
