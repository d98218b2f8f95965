import Logging

import Glibc

/// Where the daemon's log goes: journald when systemd connected stderr to it, else stderr.
public enum LogDestination {
    public static func bootstrap(identifier: String, control: LogLevelControl, environment: [String: String]) {
        let toJournal = stderrIsJournal(environment["JOURNAL_STREAM"])
        LoggingSystem.bootstrap { _ in
            DaemonLogHandler(toJournal ? .journal : .stderr, identifier: identifier, control: control)
        }
    }

    /// systemd sets `JOURNAL_STREAM=<device>:<inode>` of the stream it gave stderr; it is
    /// ours only while stderr is still that stream (not redirected by a wrapper).
    static func stderrIsJournal(_ stream: String?) -> Bool {
        guard let parts = stream?.split(separator: ":"), parts.count == 2,
            let device = UInt64(parts[0]), let inode = UInt64(parts[1])
        else { return false }
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}
