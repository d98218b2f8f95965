import Glibc

/// Who may run admin commands (PROTOCOL.md): root, the daemon's own user, or a member
/// of the configured admin group (its primary or supplementary group, as the kernel
/// reported the peer).
public struct AdminPolicy: Sendable {
    public var groupName: String
    public var daemonUID: UInt32

    public init(groupName: String, daemonUID: UInt32 = getuid()) {
        self.groupName = groupName
        self.daemonUID = daemonUID
    }

    /// Blocking when the group database is remote (NSS): call it off the event loops.
    public func allows(_ peer: PeerCredentials) throws(SystemError) -> Bool {
        if peer.uid == 0 || peer.uid == daemonUID { return true }
        guard let groupID = try Self.groupID(named: groupName) else { return false }
        return peer.isMember(of: groupID)
    }

    /// The gid of a group, or nil when there is no such group (`getgrnam_r(3)`).
    public static func groupID(named name: String) throws(SystemError) -> gid_t? {
        var group = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 4 << 10)
        while true {
            let code = getgrnam_r(name, &group, &buffer, buffer.count, &result)
            switch code {
            case 0:
                return result == nil ? nil : group.gr_gid
            case EINTR:
                continue
            case ERANGE where buffer.count < 1 << 20:
                // A group with many members: its entry needs a bigger buffer.
                buffer = [CChar](repeating: 0, count: buffer.count * 2)
            case ENOENT, ESRCH, EBADF, EPERM:
                // getgrnam_r(3): some NSS modules say "no such group" this way.
                return nil
            default:
                throw SystemError("getgrnam_r(\(name))", errno: code)
            }
        }
    }
}
