import Glibc
import Testing

@testable import ModeldLinux

@Suite struct PeerCredentialsTests {
    /// A connected pair of Unix sockets: each end's peer is this process.
    func socketPair() throws -> (Int32, Int32) {
        var pair: [Int32] = [-1, -1]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0)
        return (pair[0], pair[1])
    }

    func ownGroups() -> [gid_t] {
        var groups = [gid_t](repeating: 0, count: Int(getgroups(0, nil)))
        let count = getgroups(Int32(groups.count), &groups)
        return Array(groups.prefix(Int(max(count, 0))))
    }

    @Test func theKernelTellsWhoIsAtTheOtherEnd() throws {
        let (one, other) = try socketPair()
        defer {
            close(one)
            close(other)
        }
        let peer = try PeerCredentials.of(socket: one)
        #expect(peer.pid == getpid())
        #expect(peer.uid == getuid() && peer.gid == getgid())
        #expect(peer.groups.sorted() == ownGroups().sorted())
    }

    @Test func aBufferTooSmallIsGrownToWhatTheKernelAsks() throws {
        let (one, other) = try socketPair()
        defer {
            close(one)
            close(other)
        }
        #expect(try PeerCredentials.supplementaryGroups(of: one, initialCapacity: 0).sorted() == ownGroups().sorted())
    }

    @Test func notASocketIsAnErrorNamingTheCall() {
        #expect(throws: SystemError("getsockopt(SO_PEERCRED)", errno: ENOTSOCK)) { try PeerCredentials.of(socket: STDIN_FILENO) }
    }

    @Test func adminsAreRootTheDaemonsUserAndMembersOfTheGroup() throws {
        // Group "root" is gid 0 on every Linux system.
        let policy = AdminPolicy(groupName: "root", daemonUID: 4242)
        #expect(try policy.allows(PeerCredentials(pid: 1, uid: 0, gid: 100)))
        #expect(try policy.allows(PeerCredentials(pid: 1, uid: 4242, gid: 100)))
        #expect(try policy.allows(PeerCredentials(pid: 1, uid: 1000, gid: 0)), "its primary group")
        #expect(try policy.allows(PeerCredentials(pid: 1, uid: 1000, gid: 100, groups: [27, 0])), "a supplementary group")
        #expect(try !policy.allows(PeerCredentials(pid: 1, uid: 1000, gid: 100, groups: [27])))
        let noSuchGroup = AdminPolicy(groupName: "modeld-no-such-group", daemonUID: 4242)
        #expect(try !noSuchGroup.allows(PeerCredentials(pid: 1, uid: 1000, gid: 0, groups: [0])))
        #expect(try AdminPolicy.groupID(named: "modeld-no-such-group") == nil)
    }
}
