import Glibc

/// Space on the filesystem that holds a path (`statvfs(3)`).
public struct DiskSpace: Sendable, Equatable {
    public var totalBytes: Int64
    /// Free to root (`f_bfree`), the reserved blocks included.
    public var freeBytes: Int64
    /// Free to an unprivileged user (`f_bavail`): what downloads can really use.
    public var availableBytes: Int64
    /// Tells filesystems apart (`st_dev`): the store, the links and the ledger may share one.
    public var device: UInt

    /// For a path that does not exist yet (a store before its first download), the
    /// nearest existing parent's filesystem is the one it will be created on.
    public static func of(_ path: String) throws(SystemError) -> DiskSpace {
        var candidate = path
        var stats = statvfs()
        while true {
            if statvfs(candidate, &stats) == 0 { break }
            let code = errno
            guard code == ENOENT, candidate != "/", !candidate.isEmpty else {
                throw SystemError("statvfs(\(candidate))", errno: code)
            }
            candidate = parent(of: candidate)
        }
        // `f_fsid` is 0 on tmpfs; the device number tells mounts apart.
        var status = stat()
        guard stat(candidate, &status) == 0 else { throw SystemError("stat(\(candidate))", errno: errno) }
        let unit = Int64(stats.f_frsize)
        return DiskSpace(
            totalBytes: Int64(stats.f_blocks) * unit, freeBytes: Int64(stats.f_bfree) * unit,
            availableBytes: Int64(stats.f_bavail) * unit, device: UInt(status.st_dev))
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.dropLast().lastIndex(of: "/") else { return "/" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
