import Glibc

/// Who may run admin commands (PROTOCOL.md): root, the daemon's own user, or a member
/// of the configured admin group (its primary or supplementary group).
public struct AdminPolicy: Sendable {
    public var groupName: String
    public var daemonUID: UInt32

    public init(groupName: String, daemonUID: UInt32 = getuid()) {
        self.groupName = groupName
        self.daemonUID = daemonUID
    }

    public func allows(_ peer: PeerCredentials) -> Bool {
        if peer.uid == 0 || peer.uid == daemonUID { return true }
        guard let groupID = Self.groupID(named: groupName) else { return false }
        return peer.gid == groupID || Self.groups(ofUser: peer.uid).contains(groupID)
    }

    /// The gid of a group, or nil when there is no such group (`getgrnam_r(3)`).
    public static func groupID(named name: String) -> gid_t? {
        var group = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 16 << 10)
        guard getgrnam_r(name, &group, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return group.gr_gid
    }

    /// Every group the user belongs to, per the user database (`getgrouplist(3)`).
    static func groups(ofUser uid: UInt32) -> [gid_t] {
        var user = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16 << 10)
        guard getpwuid_r(uid, &user, &buffer, buffer.count, &result) == 0, result != nil, let name = user.pw_name else {
            return []
        }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, user.pw_gid, &groups, &count) < 0 {
            // `count` now holds the number needed.
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, user.pw_gid, &groups, &count) >= 0 else { return [] }
        }
        return Array(groups.prefix(Int(count)))
    }
}
