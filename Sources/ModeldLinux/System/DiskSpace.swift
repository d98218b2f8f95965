import Glibc

/// Space on the filesystem that holds a path (`statvfs(3)`).
public struct DiskSpace: Sendable, Equatable {
    public var totalBytes: Int64
    /// Free to an unprivileged user (`f_bavail`): what downloads can really use.
    public var availableBytes: Int64

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
        let unit = Int64(stats.f_frsize)
        return DiskSpace(totalBytes: Int64(stats.f_blocks) * unit, availableBytes: Int64(stats.f_bavail) * unit)
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.dropLast().lastIndex(of: "/") else { return "/" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
