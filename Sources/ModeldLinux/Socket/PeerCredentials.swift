/// Who is at the other end of a Unix socket, as the kernel recorded it when the peer
/// connected: pid, uid and primary gid (`SO_PEERCRED`), and the supplementary groups
/// (`SO_PEERGROUPS`).
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// The supplementary groups the peer process held; its primary group is `gid`.
    public var groups: [UInt32]

    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32] = []) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// Whether the peer is in group `id`, as its primary or a supplementary group.
    public func isMember(of id: UInt32) -> Bool { gid == id || groups.contains(id) }
}
