import Glibc

/// Proves a folder takes writes the way a download needs them: a file created, written,
/// synced to the disk and removed. A read-only mount, a full disk or a missing permission
/// fails here with the call and errno that say which.
public enum WriteProbe {
    /// The folder is created first if it is missing, as the first download creates it.
    public static func run(in folder: String) throws(SystemError) {
        try AtomicFile.makeFolders(folder)
        // A name no other program uses, removed at once: huggingface_hub's cache scan
        // takes nothing in the store's root for a repository.
        let path = folder + "/.modeld-doctor-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = try syscall("open(\(path))") { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
        do throws(SystemError) {
            var byte: UInt8 = 0x2A
            let written = try syscall("write(\(path))") { Glibc.write(fd, &byte, 1) }
            guard written == 1 else { throw SystemError("write(\(path))", errno: EIO) }
            try syscall("fsync(\(path))") { fsync(fd) }
        } catch {
            // The failure that matters is the one above; these only tidy up after it.
            _ = close(fd)
            _ = unlink(path)
            throw error
        }
        // close(2) is not retried on EINTR: the descriptor is gone either way.
        if close(fd) != 0 {
            let code = errno
            _ = unlink(path)
            throw SystemError("close(\(path))", errno: code)
        }
        try syscall("unlink(\(path))") { unlink(path) }
    }
}
