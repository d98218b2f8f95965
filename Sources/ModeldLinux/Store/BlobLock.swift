import Glibc
import Synchronization

/// huggingface_hub's lock on one blob (STORE.md): `flock(LOCK_EX)` on
/// `<store>/.locks/models--<org>--<name>/<hash>.lock`, the file `filelock` takes, so `hf`,
/// `diffusers` and modeld never fetch or publish the same blob at once. Held from before
/// the partial file is opened until the blob is published or the fetch gives up.
public final class BlobLock: Sendable {
    public let path: String
    /// The locked descriptor until ``release()``.
    private let fd: Mutex<Int32?>

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = Mutex(fd)
    }

    /// Takes the lock if nobody holds it; nil while another process does. Blocking (an
    /// open and a non-blocking flock).
    ///
    /// The lock file may be removed by another program between our open and our flock
    /// (huggingface_hub removes it when a release fails): a lock on a name no longer there
    /// guards nothing, so the name and the descriptor are compared and the take retried.
    public static func tryAcquire(_ path: String) throws(SystemError) -> BlobLock? {
        try AtomicFile.makeFolder(containing: path)
        while true {
            // 0664, as huggingface_hub makes it, so users sharing the cache can wait on it.
            let fd = try syscall("open(\(path))") { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o664) }
            do throws(SystemError) {
                // Past the umask, as filelock does; another user's lock file keeps its mode.
                if fchmod(fd, 0o664) != 0, errno != EPERM { throw SystemError("fchmod(\(path))", errno: errno) }
                try syscall("flock(\(path))") { flock(fd, LOCK_EX | LOCK_NB) }
            } catch where error.errno == EWOULDBLOCK {
                close(fd)
                return nil
            } catch {
                close(fd)
                throw error
            }
            var opened = stat()
            var named = stat()
            guard fstat(fd, &opened) == 0 else {
                let code = errno
                close(fd)
                throw SystemError("fstat(\(path))", errno: code)
            }
            if stat(path, &named) == 0, named.st_ino == opened.st_ino, named.st_dev == opened.st_dev {
                return BlobLock(path: path, fd: fd)
            }
            close(fd)
        }
    }

    /// Lets go: closing the descriptor drops the flock. Once; later calls do nothing.
    public func release() {
        if let fd = fd.withLock({ $0.take() }) { close(fd) }
    }

    deinit { release() }
}
