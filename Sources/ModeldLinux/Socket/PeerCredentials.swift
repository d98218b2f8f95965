/// Who is at the other end of a Unix socket: `struct ucred` from `SO_PEERCRED`, laid out
/// as the kernel writes it (Glibc hides `ucred` behind `_GNU_SOURCE`).
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }
}
