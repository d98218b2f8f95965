import Foundation
import Glibc

/// Files and links that appear whole or not at all: written under a temporary name in
/// the same folder, synced, renamed over the final name, and the folder synced, so a
/// crash leaves either the old or the new, never half of one.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws(SystemError) {
        let folder = try makeFolder(containing: path)
        let temporary = temporaryName(for: path)
        let fd = try syscall("open(\(temporary))") { open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        do {
            var offset = 0
            while offset < data.count {
                let written = try syscall("write(\(temporary))") {
                    data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress.map { $0 + offset }, data.count - offset) }
                }
                offset += written
            }
            try syscall("fsync(\(temporary))") { fsync(fd) }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        // Once, never retried: on Linux the descriptor is released even when close fails,
        // and a second close could hit a descriptor another thread just opened.
        if close(fd) != 0 {
            let code = errno
            unlink(temporary)
            throw SystemError("close(\(temporary))", errno: code)
        }
        try rename(temporary, over: path, in: folder)
    }

    /// The name a file is written under before it is renamed to `path`.
    public static func temporaryName(for path: String) -> String { path + ".tmp-\(getpid())" }

    /// A symlink at `path` pointing to `target`, replacing what was there.
    public static func symlink(_ target: String, at path: String) throws(SystemError) {
        let folder = try makeFolder(containing: path)
        let temporary = temporaryName(for: path)
        unlink(temporary)
        try syscall("symlink(\(temporary))") { Glibc.symlink(target, temporary) }
        try rename(temporary, over: path, in: folder)
    }

    /// A hard link at `path` to the file `source` names (following a symlink), replacing
    /// what was there: both names are then one file. Fails with EXDEV across filesystems.
    public static func hardLink(_ source: String, at path: String) throws(SystemError) {
        let folder = try makeFolder(containing: path)
        let temporary = temporaryName(for: path)
        unlink(temporary)
        try syscall("link(\(source))") { linkat(AT_FDCWD, source, AT_FDCWD, temporary, AT_SYMLINK_FOLLOW) }
        try rename(temporary, over: path, in: folder)
    }

    /// Renames the finished `temporary` over `path` (same folder) and syncs the folder.
    public static func replace(_ path: String, with temporary: String) throws(SystemError) {
        try rename(temporary, over: path, in: (path as NSString).deletingLastPathComponent)
    }

    private static func rename(_ temporary: String, over path: String, in folder: String) throws(SystemError) {
        do {
            try syscall("rename(\(path))") { Glibc.rename(temporary, path) }
        } catch {
            unlink(temporary)
            throw error
        }
        try syncFolder(folder)
    }

    /// Syncs a folder, so a name just put in it (or taken out) survives a crash.
    public static func syncFolder(_ folder: String) throws(SystemError) {
        let fd = try syscall("open(\(folder))") { open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(fd) }
        try syscall("fsync(\(folder))") { fsync(fd) }
    }

    /// Creates the folders above `path` as needed; returns the immediate one.
    @discardableResult
    public static func makeFolder(containing path: String) throws(SystemError) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        try makeFolders(folder)
        return folder
    }

    /// `mkdir -p`.
    public static func makeFolders(_ folder: String) throws(SystemError) {
        guard !folder.isEmpty, !FileStat.isDirectory(folder) else { return }
        let parent = (folder as NSString).deletingLastPathComponent
        if parent != folder { try makeFolders(parent) }
        if mkdir(folder, 0o755) != 0 && errno != EEXIST { throw SystemError("mkdir(\(folder))", errno: errno) }
    }
}
