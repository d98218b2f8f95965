import Glibc

/// A system group of its own for one test (`groupadd`), removed when released. A test
/// puts a process in it with `setpriv --groups`, not the user database: the daemon goes
/// by the groups the kernel reports for the peer.
public final class TemporaryGroup: Sendable {
    public let name: String
    public let gid: gid_t
    /// Where the group tools' output goes.
    private let scratch: TemporaryDirectory

    /// `role` makes the name say what the group is for (at most 32 bytes in all).
    public init(_ role: String) throws {
        let scratch = try TemporaryDirectory(prefix: "modeld-group")
        let name = "mdt-\(role.prefix(12))-\(String(UInt32.random(in: 0 ... .max), radix: 36))"
        let made = try ChildProcess.run("/usr/sbin/groupadd", ["--system", name], in: scratch.path)
        guard made.status == 0 else { throw TestSupportError("groupadd \(name): \(made.error)") }
        // `name:x:gid:members`
        let entry = try ChildProcess.run("/usr/bin/getent", ["group", name], in: scratch.path)
        guard entry.status == 0, let gid = entry.output.split(separator: ":").dropFirst(2).first.flatMap({ gid_t($0) }) else {
            _ = try? ChildProcess.run("/usr/sbin/groupdel", [name], in: scratch.path)
            throw TestSupportError("groupadd made \(name), but getent cannot find it: \(entry.output)\(entry.error)")
        }
        self.name = name
        self.gid = gid
        self.scratch = scratch
    }

    deinit { _ = try? ChildProcess.run("/usr/sbin/groupdel", [name], in: scratch.path) }
}
