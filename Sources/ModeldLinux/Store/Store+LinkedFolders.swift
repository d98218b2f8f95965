import Glibc

extension Store {
    /// Refuses `path` when a folder on the way to it, below the store's root, is a
    /// symlink or anything but a folder. A manifest names the paths in a snapshot, and
    /// anyone who can write in a shared cache can leave a link `evil -> /somewhere` where
    /// a manifest lists `evil/x`: a rename(2) or unlink(2) through it would replace or
    /// remove a file outside the store. The root itself may be a link (a store moved to
    /// another disk). A link made between this check and the call is not caught.
    func refuseLinkedFolders(on path: String) throws(SystemError) {
        guard path.hasPrefix(layout.root + "/") else { return }
        var folder = layout.root
        for component in path.dropFirst(layout.root.count + 1).split(separator: "/").dropLast() {
            folder += "/" + component
            var info = stat()
            // Absent: it will be made, as a folder.
            guard lstat(folder, &info) == 0 else { return }
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw SystemError("\(folder) is not a folder but a link or a file; the store does not write through it", errno: ENOTDIR)
            }
        }
    }
}
