import CModeldLinux
import Foundation
import Glibc

/// A blob being written, at ``StoreLayout/partial(_:_:)`` (STORE.md), open for `pwrite` by
/// the transfer engine. It becomes the blob only by ``commit(as:)``: fsync, rename, fsync
/// of the folder — after its digest matched.
public struct PartialBlob: Sendable {
    public let path: String
    /// Owned: closed by ``close()`` or ``commit(as:)``.
    public let fd: Int32

    /// Opens (creating if needed) the file; what it holds is kept.
    public static func open(_ path: String) throws(SystemError) -> PartialBlob {
        try AtomicFile.makeFolder(containing: path)
        let fd = try syscall("open(\(path))") { Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        return PartialBlob(path: path, fd: fd)
    }

    /// Sets the size and reserves its blocks, so a full disk shows now and not half way.
    /// Bytes already written stay.
    public func preallocate(_ size: Int64) throws(SystemError) {
        try syscall("ftruncate(\(path))") { ftruncate(fd, off_t(size)) }
        guard size > 0 else { return }
        let code = posix_fallocate(fd, 0, off_t(size))
        // Filesystems without fallocate (some network ones) still take the writes.
        guard code == 0 || code == EOPNOTSUPP else { throw SystemError("fallocate(\(path))", errno: code) }
    }

    /// Drops every byte (the file is to be written from scratch).
    public func truncate() throws(SystemError) {
        try syscall("ftruncate(\(path))") { ftruncate(fd, 0) }
    }

    /// Written bytes reach the disk (for the journal's `synced` ranges).
    public func syncData() throws(SystemError) {
        try syscall("fdatasync(\(path))") { fdatasync(fd) }
    }

    /// Makes this file a copy of `source` of exactly `size` bytes: a reflink where the
    /// filesystem can (no bytes move, and patching this file leaves `source` untouched),
    /// else a kernel-side copy. A shorter source (a truncated blob) leaves zeros past its
    /// end for the patch to fill; a longer one is cut.
    public func copy(from source: String, size: Int64) throws(SystemError) {
        let input = try syscall("open(\(source))") { Glibc.open(source, O_RDONLY | O_CLOEXEC) }
        defer { Glibc.close(input) }
        if modeld_ficlone(fd, input) != 0 {
            try syscall("ftruncate(\(path))") { ftruncate(fd, 0) }
            let available = min(size, FileStat.size(of: input) ?? 0)
            var offset: Int64 = 0
            while offset < available {
                let copied: Int
                do throws(SystemError) {
                    copied = try syscall("copy_file_range(\(source))") {
                        modeld_copy_file_range(input, offset, fd, offset, UInt(min(available - offset, 1 << 30)))
                    }
                } catch where [EXDEV, EINVAL, ENOSYS, EOPNOTSUPP].contains(error.errno) {
                    // Across filesystems the kernel may refuse (EXDEV before 5.3, and
                    // between filesystems of different types since 5.19): bytes by hand.
                    try copyByReading(input, source: source, from: offset, to: available)
                    break
                }
                // The source shrank while it was copied: the rest is left to the patch.
                if copied == 0 { break }
                offset += Int64(copied)
            }
        }
        try syscall("ftruncate(\(path))") { ftruncate(fd, off_t(size)) }
    }

    /// `pread`/`pwrite` of `input`'s bytes in [start, end) to the same offsets here.
    private func copyByReading(_ input: Int32, source: String, from start: Int64, to end: Int64) throws(SystemError) {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset = start
        while offset < end {
            let count = Int(min(Int64(buffer.count), end - offset))
            let read = try syscall("pread(\(source))") { buffer.withUnsafeMutableBytes { pread(input, $0.baseAddress, count, off_t(offset)) } }
            if read == 0 { return }
            var written = 0
            while written < read {
                written += try syscall("pwrite(\(path))") {
                    buffer.withUnsafeBytes { pwrite(fd, $0.baseAddress! + written, read - written, off_t(offset) + off_t(written)) }
                }
            }
            offset += Int64(read)
        }
    }

    /// Synced, renamed to `blob`, the folder synced: the blob appears whole. Closes the file.
    public func commit(as blob: String) throws(SystemError) {
        do {
            try syscall("fsync(\(path))") { fsync(fd) }
        } catch {
            close()
            throw error
        }
        close()
        try syscall("rename(\(path))") { rename(path, blob) }
        try AtomicFile.syncFolder((blob as NSString).deletingLastPathComponent)
    }

    /// Closes once; the descriptor is released even when close fails, so it is never retried.
    public func close() {
        _ = Glibc.close(fd)
    }

    /// Moves an in-progress file to another name on the same filesystem (its bytes stay);
    /// false when there is nothing at `source`.
    public static func move(_ source: String, to destination: String) throws(SystemError) -> Bool {
        try AtomicFile.makeFolder(containing: destination)
        if Glibc.rename(source, destination) == 0 { return true }
        if errno == ENOENT { return false }
        throw SystemError("rename(\(source))", errno: errno)
    }

    /// Removes an in-progress file (a cancelled download whose partial data is dropped).
    public static func discard(_ path: String) throws(SystemError) {
        if unlink(path) != 0 && errno != ENOENT { throw SystemError("unlink(\(path))", errno: errno) }
    }
}
