import Foundation
import Glibc
import ModeldCore

extension InotifyLimit {
    /// The limit that binds this process's user: the machine's `fs.inotify.max_user_watches`,
    /// or its user namespace's `user.max_inotify_watches` (a container's) when that is lower.
    /// The kernel charges each watch against both.
    public static func current(procSys: String = "/proc/sys") throws(SystemError) -> InotifyLimit {
        var limit = InotifyLimit(watches: try number(procSys + "/fs/inotify/max_user_watches"), key: "fs.inotify.max_user_watches")
        let namespace: Int
        do {
            namespace = try number(procSys + "/user/max_inotify_watches")
        } catch where error.errno == ENOENT {
            // Kernels before 5.11 have no per-namespace limit.
            return limit
        }
        if namespace < limit.watches { limit = InotifyLimit(watches: namespace, key: "user.max_inotify_watches") }
        return limit
    }

    private static func number(_ path: String) throws(SystemError) -> Int {
        let text = try ProcFile.read(path).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let value = Int(text) else { throw SystemError("parse(\(path)): \"\(text)\" is not a number", errno: EINVAL) }
        return value
    }
}
