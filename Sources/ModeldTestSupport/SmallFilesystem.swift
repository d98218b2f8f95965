import Glibc

/// A tmpfs of a few MiB of its own, for tests that fill a disk (needs root, as the test
/// machines run; linux-and-systemd.md "A full disk"). Unmounted when released.
public final class SmallFilesystem: Sendable {
    private let directory: TemporaryDirectory
    public var path: String { directory.path }

    public init(megabytes: Int) throws {
        directory = try TemporaryDirectory(prefix: "modeld-tmpfs")
        guard mount("tmpfs", directory.path, "tmpfs", 0, "size=\(megabytes)m,mode=0755") == 0 else {
            throw TestSupportError(
                "mount -t tmpfs \(directory.path): \(String(cString: strerror(errno))) (the storage tests need root to mount a small tmpfs)")
        }
    }

    /// Makes the mount read-only, as a disk the kernel remounted after an error: every
    /// write fails with EROFS, even root's.
    public func remountReadOnly() throws {
        guard mount("tmpfs", directory.path, "tmpfs", UInt(MS_REMOUNT | MS_RDONLY), nil) == 0 else {
            throw TestSupportError("mount -o remount,ro \(directory.path): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        // Lazily: a daemon that is still stopping may hold a file open.
        if umount2(directory.path, Int32(MNT_DETACH)) != 0 {
            print("umount \(directory.path): \(String(cString: strerror(errno)))")
        }
    }
}
