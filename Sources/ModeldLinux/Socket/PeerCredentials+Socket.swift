import Glibc

extension PeerCredentials {
    /// The credentials of the process at the other end of the connected Unix socket `fd`.
    ///
    /// From the kernel (`getsockopt(2)` with `SO_PEERCRED` and `SO_PEERGROUPS`, Linux 4.13),
    /// not from the user database: what counts is what the peer process holds, so a
    /// group joined since its login does not count until it logs in again, and a group
    /// dropped (`setpriv --clear-groups`) does not count either.
    public static func of(socket fd: Int32) throws(SystemError) -> PeerCredentials {
        var credentials = KernelCredentials()
        var length = socklen_t(MemoryLayout<KernelCredentials>.size)
        try syscall("getsockopt(SO_PEERCRED)") { getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) }
        guard length == MemoryLayout<KernelCredentials>.size else { throw SystemError("getsockopt(SO_PEERCRED)", errno: EPROTO) }
        return PeerCredentials(
            pid: credentials.pid, uid: credentials.uid, gid: credentials.gid, groups: try supplementaryGroups(of: fd))
    }

    /// `SO_PEERGROUPS`: the kernel fails with ERANGE and writes the length it needs when
    /// the buffer is too small, so ask again with that much room.
    static func supplementaryGroups(of fd: Int32, initialCapacity: Int = 64) throws(SystemError) -> [UInt32] {
        let size = MemoryLayout<gid_t>.stride
        var groups = [gid_t](repeating: 0, count: initialCapacity)
        while true {
            var length = socklen_t(groups.count * size)
            let result = groups.withUnsafeMutableBytes { getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, $0.baseAddress, &length) }
            if result == 0 { return Array(groups.prefix(Int(length) / size)) }
            let code = errno
            switch code {
            case EINTR:
                continue
            case ERANGE where Int(length) / size > groups.count:
                groups = [gid_t](repeating: 0, count: Int(length) / size)
            default:
                throw SystemError("getsockopt(SO_PEERGROUPS)", errno: code)
            }
        }
    }
}

/// `struct ucred` as the kernel writes it (Glibc hides the type behind `_GNU_SOURCE`).
private struct KernelCredentials {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
